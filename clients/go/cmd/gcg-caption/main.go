// Command gcg-caption captions one image with gcg-serve: the flags of bin/gcg-caption
// (clients/java/README.md) plus experiment and budget flags. Exit codes: 0 ok, 1 non-retryable
// server error, 2 bad usage, 3 a local file, 4 retryable (UNAVAILABLE, RESOURCE_EXHAUSTED,
// DEADLINE_EXCEEDED).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"gcgserve.io/client/gcg"
	pb "gcgserve.io/client/gcgpb"
	"google.golang.org/protobuf/encoding/protojson"
)

type params map[string]string

func (p params) String() string { return fmt.Sprint(map[string]string(p)) }
func (p params) Set(v string) error {
	i := strings.IndexByte(v, '=')
	if i < 0 {
		return fmt.Errorf("%q is not k=v", v)
	}
	p[v[:i]] = v[i+1:]
	return nil
}

var retryable = map[string]bool{"UNAVAILABLE": true, "RESOURCE_EXHAUSTED": true, "DEADLINE_EXCEEDED": true}

func fail(err error) int {
	e := gcg.AsErrorOf(err)
	fmt.Fprintf(os.Stderr, "gcg-caption: %s: %s\n", e.Code, e.Message)
	if retryable[e.Code] {
		return 4
	}
	return 1
}

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("gcg-caption", flag.ContinueOnError)
	target := fs.String("target", "localhost:50051", "server host:port")
	imagePath := fs.String("image", "", "PNG or JPEG image to caption")
	prompt := fs.String("prompt", "", "prompt; default: the model's GCG prompt")
	pruner := fs.String("pruner", "", "pruner name (see --list-pruners); default none")
	keepRatio := fs.Float64("keep-ratio", math.NaN(), "fraction of visual tokens kept")
	extra := params{}
	fs.Var(extra, "param", "pruner parameter k=v (repeatable)")
	maxNew := fs.Int("max-new-tokens", 0, "token limit (0 = server default)")
	temperature := fs.Float64("temperature", 0, "0 = greedy (default)")
	seed := fs.Int64("seed", 0, "sampling seed")
	deadlineMs := fs.Int("deadline-ms", 0, "deadline for the whole call, in ms")
	asJSON := fs.Bool("json", false, "one JSON object per event (protobuf JSON)")
	overlay := fs.String("overlay", "", "write the image with masks drawn (PNG)")
	list := fs.Bool("list-pruners", false, "list the server's pruners and exit")
	experiment := fs.String("experiment", "", "A/B experiment whose arm picks the pruner")
	subject := fs.String("subject-key", "", "stable key hashed to pick the arm")
	flops := fs.Float64("budget-flops-ratio", 0, "budget: max prefill FLOPs ratio")
	tokens := fs.Int("budget-visual-tokens", 0, "budget: max visual tokens kept")
	ttft := fs.Float64("budget-ttft-ms", 0, "budget: max time to first token, ms")
	reject := fs.Bool("reject-on-miss", false, "budget: refuse when it cannot be met")
	useTLS := fs.Bool("tls", false, "use TLS with the system's root CAs")
	tlsCA := fs.String("tls-ca", "", "use TLS, trusting these CA certificates (PEM)")
	tlsCert := fs.String("tls-cert", "", "mutual TLS: client certificate chain (PEM)")
	tlsKey := fs.String("tls-key", "", "mutual TLS: the client's private key (PEM)")
	tokenFile := fs.String("token-file", "", "send the bearer token in FILE (needs TLS)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	deadline := time.Duration(*deadlineMs) * time.Millisecond
	options := gcg.Options{TLS: *useTLS, TLSCA: *tlsCA, TLSCert: *tlsCert, TLSKey: *tlsKey}
	if *tokenFile != "" {
		token, err := gcg.ReadToken(*tokenFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gcg-caption:", err)
			return 3
		}
		options.Token = token
	}
	client, err := gcg.DialWith(*target, options)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-caption:", err)
		return 2
	}
	defer client.Close()
	if *list {
		pruners, err := client.ListPruners(context.Background(), deadline)
		if err != nil {
			return fail(err)
		}
		for _, d := range pruners {
			kind := "plugin"
			if d.GetBuiltIn() {
				kind = "built-in"
			}
			fmt.Printf("%s (%s): %s\n", d.GetName(), kind, d.GetDescription())
			for _, q := range d.GetParameters() {
				fmt.Printf("  %s %s default=%s %s\n", q.GetName(), q.GetType(), q.GetDefaultValue(), q.GetAllowed())
			}
		}
		return 0
	}
	if *imagePath == "" {
		fmt.Fprintln(os.Stderr, "gcg-caption: --image is required (or --list-pruners)")
		return 2
	}
	img, err := os.ReadFile(*imagePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-caption: cannot read", *imagePath+":", err)
		return 3
	}
	opts := gcg.RequestOptions{Prompt: *prompt, Pruner: *pruner, Params: extra, MaxNewTokens: int32(*maxNew),
		Temperature: *temperature, Seed: *seed, Experiment: *experiment, SubjectKey: *subject}
	if !math.IsNaN(*keepRatio) {
		opts.KeepRatio = keepRatio
	}
	onMiss := pb.Budget_ON_MISS_BEST_EFFORT
	if *reject {
		onMiss = pb.Budget_ON_MISS_REJECT
	}
	switch given := btoi(*flops > 0) + btoi(*tokens > 0) + btoi(*ttft > 0); {
	case given > 1:
		fmt.Fprintln(os.Stderr, "gcg-caption: give one budget flag")
		return 2
	case *flops > 0:
		opts.Budget = &pb.Budget{Limit: &pb.Budget_MaxFlopsRatio{MaxFlopsRatio: *flops}, OnMiss: onMiss}
	case *tokens > 0:
		opts.Budget = &pb.Budget{Limit: &pb.Budget_MaxVisualTokens{MaxVisualTokens: int32(*tokens)}, OnMiss: onMiss}
	case *ttft > 0:
		opts.Budget = &pb.Budget{Limit: &pb.Budget_MaxTtftMs{MaxTtftMs: *ttft}, OnMiss: onMiss}
	}
	req, err := gcg.NewRequest(img, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-caption:", err)
		return 2
	}
	call, err := client.Caption(context.Background(), req, deadline)
	if err != nil {
		return fail(err)
	}
	var phrases []*gcg.GroundedPhrase
	for {
		msg, err := call.Raw()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			fmt.Println(protojson.MarshalOptions{}.Format(msg))
		}
		switch e := gcg.FromProto(msg).(type) {
		case *gcg.GroundedPhrase:
			phrases = append(phrases, e)
		case *gcg.Started:
			if !*asJSON {
				fmt.Fprintf(os.Stderr, "pruner %s: %d/%d visual tokens, FLOPs ratio %.3f\n", e.GetPruner(), e.GetVisualTokensKept(), e.GetVisualTokensTotal(), e.GetFlopsRatio())
			}
		case *gcg.TextDelta:
			if !*asJSON {
				fmt.Print(e.Text)
			}
		case *gcg.Finished:
			if !*asJSON {
				fmt.Println()
				for _, g := range phrases {
					px, err := g.Decode()
					if err != nil {
						fmt.Fprintln(os.Stderr, "gcg-caption: bad mask:", err)
						return 1
					}
					fmt.Printf("%-32q [%d,%d) bbox=%v area=%d score=%.3f\n", g.Phrase, g.CharStart, g.CharEnd, g.Mask.GetBbox(), px.Area(), g.Mask.GetScore())
				}
				fmt.Fprintf(os.Stderr, "%s: %d tokens, TTFT %.1f ms, total %.1f ms\n", e.GetFinishReason(), e.GetGeneratedTokens(), e.GetTimings().GetTtftMs(), e.GetTimings().GetTotalMs())
			}
		}
	}
	if *overlay != "" {
		if err := writeOverlay(img, phrases, *overlay); err != nil {
			fmt.Fprintln(os.Stderr, "gcg-caption:", err)
			return 3
		}
	}
	return 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeOverlay tints each mask in its own colour and draws its box.
func writeOverlay(img []byte, phrases []*gcg.GroundedPhrase, path string) error {
	src, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return fmt.Errorf("cannot decode the image for the overlay: %v", err)
	}
	out := image.NewRGBA(src.Bounds())
	draw.Draw(out, out.Bounds(), src, src.Bounds().Min, draw.Src)
	for n, g := range phrases {
		px, err := g.Decode()
		if err != nil || px.Width != out.Bounds().Dx() || px.Height != out.Bounds().Dy() {
			continue
		}
		c := hue(float64(n) * 0.618034)
		for y := 0; y < px.Height; y++ {
			for x := 0; x < px.Width; x++ {
				if px.Data[y*px.Width+x] != 0 {
					o := out.RGBAAt(x, y)
					out.SetRGBA(x, y, color.RGBA{mix(o.R, c.R), mix(o.G, c.G), mix(o.B, c.B), 255})
				}
			}
		}
		b := g.Mask.GetBbox()
		for x := b[0]; x < b[0]+b[2]; x++ {
			out.SetRGBA(int(x), int(b[1]), c)
			out.SetRGBA(int(x), int(b[1]+b[3]-1), c)
		}
		for y := b[1]; y < b[1]+b[3]; y++ {
			out.SetRGBA(int(b[0]), int(y), c)
			out.SetRGBA(int(b[0]+b[2]-1), int(y), c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func mix(a, b uint8) uint8 { return uint8(float64(a)*0.55 + float64(b)*0.45) }

func hue(h float64) color.RGBA {
	h = math.Mod(h, 1) * 6
	ch := func(k float64) uint8 {
		v := math.Abs(math.Mod(h+k, 6)-3) - 1
		return uint8(255 * math.Max(0, math.Min(1, v)))
	}
	return color.RGBA{ch(0), ch(4), ch(2), 255}
}
