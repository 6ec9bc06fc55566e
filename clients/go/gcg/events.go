package gcg

import (
	pb "gcgserve.io/client/gcgpb"
)

// Event is one of *Started, *TextDelta, *GroundedPhrase, *Finished.
type Event interface{ isEvent() }

// Started is sent once, after prefill: what the pruner (and budget) did.
type Started struct{ *pb.Started }

// TextDelta is one generated token's text.
type TextDelta struct {
	Text  string
	Index int32
}

// GroundedPhrase is a phrase and its mask, right after the token that closes its [SEG].
type GroundedPhrase struct {
	Phrase             string
	CharStart, CharEnd int32
	Mask               *pb.Mask
}

// Decode decodes the phrase's mask.
func (g *GroundedPhrase) Decode() (*Pixels, error) {
	return DecodeMask(g.Mask.GetRleCounts(), g.Mask.GetSize())
}

// Finished is sent once, last, when generation ended normally.
type Finished struct{ *pb.Finished }

func (*Started) isEvent()        {}
func (*TextDelta) isEvent()      {}
func (*GroundedPhrase) isEvent() {}
func (*Finished) isEvent()       {}

// FromProto converts a CaptionEvent; nil for an event this client does not know.
func FromProto(msg *pb.CaptionEvent) Event {
	switch e := msg.Event.(type) {
	case *pb.CaptionEvent_Started:
		return &Started{e.Started}
	case *pb.CaptionEvent_TextDelta:
		return &TextDelta{Text: e.TextDelta.GetText(), Index: e.TextDelta.GetIndex()}
	case *pb.CaptionEvent_GroundedPhrase:
		g := e.GroundedPhrase
		return &GroundedPhrase{Phrase: g.GetPhrase(), CharStart: g.GetCharStart(), CharEnd: g.GetCharEnd(), Mask: g.GetMask()}
	case *pb.CaptionEvent_Finished:
		return &Finished{e.Finished}
	}
	return nil
}

// Caption is a whole caption, collected from its events.
type Caption struct {
	Started  *Started
	Text     string
	Phrases  []*GroundedPhrase
	Finished *Finished
}

// BuiltInKeepRatio are the pruners whose typed message has keep_ratio.
var BuiltInKeepRatio = map[string]bool{"fastv": true, "pdrop": true, "altp": true}

// RequestOptions are the optional parts of a CaptionRequest.
type RequestOptions struct {
	Prompt, Pruner         string
	KeepRatio              *float64
	Params                 map[string]string
	MaxNewTokens           int32
	Temperature, TopP      float64
	Seed                   int64
	Experiment, SubjectKey string
	Budget                 *pb.Budget
}

// NewRequest builds a CaptionRequest; KeepRatio fills the typed field of a built-in pruner and the
// keep_ratio param of a plugin.
func NewRequest(image []byte, o RequestOptions) (*pb.CaptionRequest, error) {
	req := &pb.CaptionRequest{
		Image: image, Prompt: o.Prompt, Experiment: o.Experiment, SubjectKey: o.SubjectKey,
		Generation: &pb.GenerationOptions{MaxNewTokens: o.MaxNewTokens, Temperature: o.Temperature, TopP: o.TopP, Seed: o.Seed},
		Budget:     o.Budget,
	}
	params := map[string]string{}
	for k, v := range o.Params {
		params[k] = v
	}
	if o.Pruner != "" || len(params) > 0 || o.KeepRatio != nil {
		req.Pruner = &pb.PrunerSpec{Name: o.Pruner, Params: params}
	}
	if o.KeepRatio != nil {
		if _, dup := params["keep_ratio"]; dup {
			return nil, errorf("give keep_ratio once: as KeepRatio or in Params")
		}
		r := *o.KeepRatio
		switch o.Pruner {
		case "fastv":
			req.Pruner.TypedParams = &pb.PrunerSpec_Fastv{Fastv: &pb.FastVParams{KeepRatio: &r}}
		case "pdrop":
			req.Pruner.TypedParams = &pb.PrunerSpec_Pdrop{Pdrop: &pb.PyramidDropParams{KeepRatio: &r}}
		case "altp":
			req.Pruner.TypedParams = &pb.PrunerSpec_Altp{Altp: &pb.AltpParams{KeepRatio: &r}}
		default:
			params["keep_ratio"] = formatFloat(r)
		}
	}
	return req, nil
}
