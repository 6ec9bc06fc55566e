// Command gcg-conformance runs clients/conformance/scenarios.json with the Go client and prints
// `go: N passed, N failed[, N pending]`; exit 1 when a scenario failed.
//
//	gcg-conformance --target HOST:PORT --metrics-url URL --scenarios FILE [--reference java.json] [--record out.json]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gcgserve.io/client/gcg"
	pb "gcgserve.io/client/gcgpb"
	"google.golang.org/protobuf/encoding/protojson"
)

type scenario struct {
	Name        string                 `json:"name"`
	Kind        string                 `json:"kind"`
	Request     json.RawMessage        `json:"request"`
	ImageText   *string                `json:"image_text"`
	DeadlineMs  int64                  `json:"deadline_ms"`
	Expect      map[string]interface{} `json:"expect"`
	Compare     bool                   `json:"compare"`
	Pending     string                 `json:"pending"`
	SubjectKeys []string               `json:"subject_keys"`
}

type failure struct{ what string }

func (f failure) Error() string { return f.what }

func check(ok bool, format string, args ...interface{}) {
	if !ok {
		panic(failure{fmt.Sprintf(format, args...)})
	}
}

type runner struct {
	client     *gcg.Client
	image      []byte
	metricsURL string
}

func (r *runner) request(s *scenario) *pb.CaptionRequest {
	req := &pb.CaptionRequest{}
	if len(s.Request) > 0 {
		check(protojson.Unmarshal(s.Request, req) == nil, "the scenario's request is not a CaptionRequest")
	}
	if s.ImageText != nil {
		req.Image = []byte(*s.ImageText)
	} else {
		req.Image = r.image
	}
	return req
}

func deadline(s *scenario) time.Duration { return time.Duration(s.DeadlineMs) * time.Millisecond }

func str(m map[string]interface{}, key string) string {
	v, _ := m[key].(string)
	return v
}

func (r *runner) observeCaption(req *pb.CaptionRequest, d time.Duration) map[string]interface{} {
	call, err := r.client.Caption(context.Background(), req, d)
	var c *gcg.Caption
	if err == nil {
		c, err = call.Collect()
	}
	if err != nil {
		e := gcg.AsErrorOf(err)
		return map[string]interface{}{"status": e.Code, "message": e.Message}
	}
	check(c.Started != nil, "no Started event")
	check(c.Finished != nil, "no Finished event")
	phrases := []interface{}{}
	for _, g := range c.Phrases {
		px, err := g.Decode()
		check(err == nil, "mask of %q: %v", g.Phrase, err)
		check(reflect.DeepEqual(px.Bbox(), g.Mask.GetBbox()), "mask of %q: bbox %v but the decoded pixels span %v", g.Phrase, g.Mask.GetBbox(), px.Bbox())
		bbox := []interface{}{}
		for _, v := range g.Mask.GetBbox() {
			bbox = append(bbox, float64(v))
		}
		phrases = append(phrases, map[string]interface{}{
			"phrase": g.Phrase, "char_start": float64(g.CharStart), "char_end": float64(g.CharEnd),
			"bbox": bbox, "area": float64(px.Area()), "pixels_sha256": px.SHA256(),
		})
	}
	s, f := c.Started, c.Finished
	return map[string]interface{}{
		"status": "OK", "pruner": s.GetPruner(), "arm": s.GetArm(),
		"visual_tokens_kept":     float64(s.GetVisualTokensKept()),
		"flops_ratio_ppm":        math.Round(s.GetFlopsRatio() * 1e6),
		"budget_kind":            s.GetBudget().GetKind().String(),
		"started_budget_outcome": s.GetBudget().GetOutcome().String(),
		"caption":                c.Text, "phrases": phrases, "finish_reason": f.GetFinishReason().String(),
		"generated_tokens": float64(f.GetGeneratedTokens()), "finished_budget_outcome": f.GetBudgetOutcome().String(),
	}
}

func (r *runner) caption(s *scenario) map[string]interface{} {
	e := s.Expect
	obs := r.observeCaption(r.request(s), deadline(s))
	check(obs["status"] == e["status"], "status %v (%v), expected %v", obs["status"], obs["message"], e["status"])
	if want, ok := e["message_contains"].(string); ok {
		check(strings.Contains(str(obs, "message"), want), "message %q lacks %q", obs["message"], want)
	}
	if want, ok := e["pruner"]; ok {
		check(obs["pruner"] == want, "pruner %v", obs["pruner"])
	}
	if want, ok := e["min_phrases"].(float64); ok {
		n := len(obs["phrases"].([]interface{}))
		check(float64(n) >= want, "%d phrases", n)
	}
	if _, ok := e["budget_kind"]; ok {
		for _, k := range []string{"budget_kind", "started_budget_outcome", "finished_budget_outcome"} {
			check(obs[k] == e[k], "%s %v", k, obs[k])
		}
		check(obs["flops_ratio_ppm"].(float64) <= e["max_flops_ratio"].(float64)*1e6, "FLOPs ratio over the budget")
	}
	return obs
}

func (r *runner) listPruners(s *scenario) map[string]interface{} {
	pruners, err := r.client.ListPruners(context.Background(), deadline(s))
	check(err == nil, "ListPruners failed: %v", err)
	list := []interface{}{}
	names := map[string]bool{}
	for _, d := range pruners {
		params := []interface{}{}
		for _, q := range d.GetParameters() {
			params = append(params, q.GetName())
		}
		list = append(list, map[string]interface{}{"name": d.GetName(), "built_in": d.GetBuiltIn(), "parameters": params})
		names[d.GetName()] = true
	}
	for _, n := range s.Expect["includes"].([]interface{}) {
		check(names[n.(string)], "ListPruners lacks %v", n)
	}
	return map[string]interface{}{"status": "OK", "pruners": list}
}

func (r *runner) requestsWithStatus(status string) float64 {
	resp, err := http.Get(r.metricsURL)
	check(err == nil, "cannot read %s: %v", r.metricsURL, err)
	defer resp.Body.Close()
	total := 0.0
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "gcg_requests_total{") && strings.Contains(line, `status="`+status+`"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			check(err == nil, "bad metric line %q", line)
			total += v
		}
	}
	return total
}

func (r *runner) cancel(s *scenario) map[string]interface{} {
	server := str(s.Expect, "server_status")
	before := r.requestsWithStatus(server)
	status := "OK"
	call, err := r.client.Caption(context.Background(), r.request(s), deadline(s))
	for err == nil {
		var event gcg.Event
		event, err = call.Next()
		if err != nil {
			break
		}
		_, finished := event.(*gcg.Finished)
		check(!finished, "the stream finished before a phrase")
		if _, ok := event.(*gcg.GroundedPhrase); ok {
			call.Cancel()
		}
	}
	if err != io.EOF {
		status = gcg.AsErrorOf(err).Code
	}
	check(status == str(s.Expect, "status"), "client status %s", status)
	seen := before
	for i := 0; i < 100 && seen <= before; i++ {
		time.Sleep(100 * time.Millisecond)
		seen = r.requestsWithStatus(server)
	}
	check(seen > before, "the server did not count a %s request (gcg_requests_total stayed at %v)", server, before)
	return map[string]interface{}{"status": status}
}

func (r *runner) arms(s *scenario) map[string]interface{} {
	e := s.Expect
	arms := map[string]interface{}{}
	for _, key := range s.SubjectKeys {
		req := r.request(s)
		req.SubjectKey = key
		call, err := r.client.Caption(context.Background(), req, deadline(s))
		check(err == nil, "subject %s: %v", key, err)
		header, herr := call.Header()
		c, err := call.Collect()
		check(err == nil && herr == nil, "subject %s: %v %v", key, err, herr)
		check(c.Started != nil, "subject %s: no Started", key)
		arm := c.Started.GetArm()
		known := false
		for _, a := range e["arms"].([]interface{}) {
			known = known || a == arm
		}
		check(known, "subject %s: arm %q is not expected", key, arm)
		got := header.Get("gcg-arm")
		check(len(got) == 1 && got[0] == arm, "subject %s: header gcg-arm %v, Started.arm %s", key, got, arm)
		check(c.Started.GetExperiment() == str(e, "experiment"), "subject %s: experiment %s", key, c.Started.GetExperiment())
		check(c.Started.GetAssignment().String() == str(e, "assignment"), "subject %s: assignment %v", key, c.Started.GetAssignment())
		arms[key] = arm
	}
	return map[string]interface{}{"status": "OK", "arms": arms}
}

func (r *runner) run(s *scenario) (obs map[string]interface{}, err error) {
	defer func() {
		if p := recover(); p != nil {
			if f, ok := p.(failure); ok {
				err = f
				return
			}
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	switch s.Kind {
	case "caption":
		return r.caption(s), nil
	case "list_pruners":
		return r.listPruners(s), nil
	case "cancel_after_first_phrase":
		return r.cancel(s), nil
	case "arms":
		return r.arms(s), nil
	}
	return nil, failure{"unknown scenario kind " + s.Kind}
}

// normalise round-trips through JSON so that values compare like the reference file's.
func normalise(v interface{}) interface{} {
	b, _ := json.Marshal(v)
	var out interface{}
	_ = json.Unmarshal(b, &out)
	return out
}

// firstDifference gives the path and values of the first difference of two JSON values, or "".
func firstDifference(ours, ref interface{}, path string) string {
	a, aMap := ours.(map[string]interface{})
	b, bMap := ref.(map[string]interface{})
	if aMap && bMap {
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range b {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if where := firstDifference(a[k], b[k], path+"."+k); where != "" {
				return where
			}
		}
		return ""
	}
	x, xList := ours.([]interface{})
	y, yList := ref.([]interface{})
	if xList && yList && len(x) == len(y) {
		for i := range x {
			if where := firstDifference(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); where != "" {
				return where
			}
		}
		return ""
	}
	if reflect.DeepEqual(ours, ref) {
		return ""
	}
	j1, _ := json.Marshal(ours)
	j2, _ := json.Marshal(ref)
	return fmt.Sprintf("%s: ours %.300s, reference %.300s", path, j1, j2)
}

func main() {
	target := flag.String("target", "", "server host:port")
	metricsURL := flag.String("metrics-url", "", "the server's /metrics URL")
	scenarios := flag.String("scenarios", "", "clients/conformance/scenarios.json")
	reference := flag.String("reference", "", "observations of the reference client to match")
	record := flag.String("record", "", "write this client's observations here")
	flag.Parse()
	if *target == "" || *metricsURL == "" || *scenarios == "" {
		fmt.Fprintln(os.Stderr, "gcg-conformance: --target, --metrics-url and --scenarios are required")
		os.Exit(2)
	}
	var spec struct {
		Image     string     `json:"image"`
		Scenarios []scenario `json:"scenarios"`
	}
	data, err := os.ReadFile(*scenarios)
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-conformance:", err)
		os.Exit(2)
	}
	image, err := os.ReadFile(filepath.Join(filepath.Dir(*scenarios), spec.Image))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-conformance:", err)
		os.Exit(2)
	}
	ref := map[string]interface{}{}
	if *reference != "" {
		data, err := os.ReadFile(*reference)
		if err == nil {
			err = json.Unmarshal(data, &ref)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gcg-conformance:", err)
			os.Exit(2)
		}
	}
	client, err := gcg.Dial(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcg-conformance:", err)
		os.Exit(2)
	}
	defer client.Close()
	r := &runner{client: client, image: image, metricsURL: *metricsURL}
	observations := map[string]interface{}{}
	passed, failed, pending := 0, 0, 0
	start := time.Now()
	for i := range spec.Scenarios {
		s := &spec.Scenarios[i]
		t0 := time.Now()
		obs, err := r.run(s)
		if err == nil {
			observations[s.Name] = obs
			if s.Compare && *reference != "" {
				want, ok := ref[s.Name]
				ours := normalise(obs)
				if !ok {
					err = failure{"the reference client recorded no observation"}
				} else if where := firstDifference(ours, want, s.Name); where != "" {
					err = failure{"differs from the reference client at " + where}
				}
			}
		}
		switch {
		case err == nil:
			note := ""
			if s.Pending != "" {
				note = "; it is marked pending: drop the flag"
			}
			fmt.Printf("PASS    %s (%d ms)%s\n", s.Name, time.Since(t0).Milliseconds(), note)
			passed++
		case s.Pending != "":
			fmt.Printf("PENDING %s: %s (observed: %v)\n", s.Name, s.Pending, err)
			pending++
		default:
			fmt.Printf("FAIL    %s: %v\n", s.Name, err)
			failed++
		}
	}
	if *record != "" {
		out, _ := json.MarshalIndent(observations, "", " ")
		if err := os.WriteFile(*record, out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gcg-conformance:", err)
			failed++
		}
	}
	tail := ""
	if pending > 0 {
		tail = fmt.Sprintf(", %d pending", pending)
	}
	fmt.Printf("go: %d passed, %d failed%s (%.1f s)\n", passed, failed, tail, time.Since(start).Seconds())
	if failed > 0 {
		os.Exit(1)
	}
}
