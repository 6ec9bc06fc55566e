package gcg

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	pb "gcgserve.io/client/gcgpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Options say how to reach the server: in plaintext (the zero value), or over TLS when TLS is set
// (the system's root CAs) or TLSCA names a PEM CA file, with a client certificate (TLSCert and
// TLSKey) for mutual TLS and a bearer Token sent with every call, over TLS only.
type Options struct {
	TLS     bool
	TLSCA   string
	TLSCert string
	TLSKey  string
	Token   string
}

// DialWith connects to target (host:port) as options say.
func DialWith(target string, options Options) (*Client, error) {
	transport, err := transportOption(options)
	if err != nil {
		return nil, err
	}
	dial := []grpc.DialOption{transport,
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxInboundMessageBytes))}
	if options.Token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer(options.Token)))
	}
	conn, err := grpc.Dial(target, dial...)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, stub: pb.NewGroundedCaptionClient(conn)}, nil
}

func transportOption(options Options) (grpc.DialOption, error) {
	secure := options.TLS || options.TLSCA != "" || options.TLSCert != ""
	if !secure {
		if options.Token != "" {
			return nil, errors.New("a bearer token needs TLS: give --tls-ca or --tls")
		}
		return grpc.WithInsecure(), nil
	}
	if (options.TLSCert == "") != (options.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if options.TLSCA != "" {
		pem, err := os.ReadFile(options.TLSCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", options.TLSCA)
		}
		config.RootCAs = pool
	}
	if options.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(options.TLSCert, options.TLSKey)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return grpc.WithTransportCredentials(credentials.NewTLS(config)), nil
}

// ReadToken returns the token in file: its first line that is neither blank nor a # comment (the
// server's token file format).
func ReadToken(file string) (string, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return line, nil
		}
	}
	return "", fmt.Errorf("%s holds no token", file)
}

type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (b bearer) RequireTransportSecurity() bool { return true }
