// Package gcg is a Go client for gcg-serve: captions as a stream of typed events, masks decoded.
package gcg

import (
	"context"
	"fmt"
	"io"
	"time"

	pb "gcgserve.io/client/gcgpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// MaxInboundMessageBytes is large enough for PNG masks of a 4096x4096 image.
const MaxInboundMessageBytes = 64 * 1024 * 1024

// Client talks to one gcg-serve server.
type Client struct {
	conn *grpc.ClientConn
	stub pb.GroundedCaptionClient
}

// Dial connects in plaintext to target (host:port).
func Dial(target string) (*Client, error) {
	conn, err := grpc.Dial(target, grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxInboundMessageBytes)))
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, stub: pb.NewGroundedCaptionClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Error is a call that ended with a status other than OK.
type Error struct {
	Code    string // canonical name, e.g. INVALID_ARGUMENT
	Message string // the server's message
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// codeNames are the canonical status names (codes.Code.String() gives CamelCase).
var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
	codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
	codes.Unauthenticated: "UNAUTHENTICATED",
}

// AsError converts a gRPC error into *Error.
func AsError(err error) *Error {
	s := status.Convert(err)
	name, ok := codeNames[s.Code()]
	if !ok {
		name = fmt.Sprintf("CODE_%d", s.Code())
	}
	return &Error{Code: name, Message: s.Message()}
}

// CaptionCall is a running caption: Next returns events until io.EOF or an *Error.
type CaptionCall struct {
	stream pb.GroundedCaption_CaptionClient
	cancel context.CancelFunc
}

// Caption starts a caption; deadline 0 means none.
func (c *Client) Caption(ctx context.Context, req *pb.CaptionRequest, deadline time.Duration) (*CaptionCall, error) {
	var cancel context.CancelFunc
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(ctx, deadline)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	stream, err := c.stub.Caption(ctx, req)
	if err != nil {
		cancel()
		return nil, AsError(err)
	}
	return &CaptionCall{stream: stream, cancel: cancel}, nil
}

// Next returns the next event, io.EOF at the end, or an *Error.
func (call *CaptionCall) Next() (Event, error) {
	for {
		msg, err := call.stream.Recv()
		if err == io.EOF {
			call.cancel()
			return nil, io.EOF
		}
		if err != nil {
			call.cancel()
			return nil, AsError(err)
		}
		if event := FromProto(msg); event != nil {
			return event, nil
		}
	}
}

// Raw returns the next protobuf message, io.EOF at the end, or an *Error.
func (call *CaptionCall) Raw() (*pb.CaptionEvent, error) {
	msg, err := call.stream.Recv()
	if err == io.EOF {
		call.cancel()
		return nil, io.EOF
	}
	if err != nil {
		call.cancel()
		return nil, AsError(err)
	}
	return msg, nil
}

// Header returns the response headers (gcg-request-id, gcg-arm, ...); it waits for them.
func (call *CaptionCall) Header() (metadata.MD, error) { return call.stream.Header() }

// Cancel stops the call; the server sees CANCELLED.
func (call *CaptionCall) Cancel() { call.cancel() }

// Collect reads the whole stream.
func (call *CaptionCall) Collect() (*Caption, error) {
	result := &Caption{}
	for {
		event, err := call.Next()
		if err == io.EOF {
			return result, nil
		}
		if err != nil {
			return result, err
		}
		switch e := event.(type) {
		case *Started:
			result.Started = e
		case *TextDelta:
			result.Text += e.Text
		case *GroundedPhrase:
			result.Phrases = append(result.Phrases, e)
		case *Finished:
			result.Finished = e
		}
	}
}

// ListPruners returns the server's pruners, sorted by name.
func (c *Client) ListPruners(ctx context.Context, deadline time.Duration) ([]*pb.PrunerDescription, error) {
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	resp, err := c.stub.ListPruners(ctx, &pb.ListPrunersRequest{})
	if err != nil {
		return nil, AsError(err)
	}
	return resp.Pruners, nil
}

// AsErrorOf returns err as *Error when it is one, or converts it.
func AsErrorOf(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return AsError(err)
}
