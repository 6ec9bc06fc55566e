package gcg

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "gcgserve.io/client/gcgpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const testToken = "go-test-token-0123456789abcdef"

type pruners struct {
	pb.UnimplementedGroundedCaptionServer
}

func (pruners) ListPruners(ctx context.Context, _ *pb.ListPrunersRequest) (*pb.ListPrunersResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+testToken {
		return nil, status.Error(codes.Unauthenticated, "send authorization: Bearer <token>")
	}
	return &pb.ListPrunersResponse{Pruners: []*pb.PrunerDescription{{Name: "none", BuiltIn: true}}}, nil
}

type issued struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	der  []byte
}

// issue makes a certificate for 127.0.0.1 and localhost signed by parent (self-signed when nil).
func issue(t *testing.T, name string, parent *issued, usage x509.ExtKeyUsage) *issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	signer, signerKey := template, key
	if parent == nil {
		template.IsCA, template.BasicConstraintsValid = true, true
		template.KeyUsage |= x509.KeyUsageCertSign
	} else {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &issued{cert: cert, key: key, der: der}
}

func (i *issued) write(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	keyDer, err := x509.MarshalPKCS8PrivateKey(i.key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDer}), 0o600)
	return certFile, keyFile
}

func TestTLSOptions(t *testing.T) {
	dir := t.TempDir()
	ca := issue(t, "go test ca", nil, x509.ExtKeyUsageAny)
	caFile, _ := ca.write(t, dir, "ca")
	server := issue(t, "server", ca, x509.ExtKeyUsageServerAuth)
	client := issue(t, "client", ca, x509.ExtKeyUsageClientAuth)
	clientCert, clientKey := client.write(t, dir, "client")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	serverTLS := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{server.der}, PrivateKey: server.key}},
		ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(serverTLS)))
	pb.RegisterGroundedCaptionServer(s, pruners{})
	go s.Serve(listener)
	defer s.Stop()
	target := listener.Addr().String()
	tokenFile := filepath.Join(dir, "token.txt")
	os.WriteFile(tokenFile, []byte("# the client's token\n"+testToken+"\n"), 0o600)
	token, err := ReadToken(tokenFile)
	if err != nil || token != testToken {
		t.Fatalf("ReadToken: %q, %v", token, err)
	}
	mutual := Options{TLSCA: caFile, TLSCert: clientCert, TLSKey: clientKey}
	code := func(options Options) string {
		c, err := DialWith(target, options)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.ListPruners(context.Background(), 10*time.Second)
		if err == nil {
			return "OK"
		}
		return err.(*Error).Code
	}
	withToken := mutual
	withToken.Token = testToken
	if got := code(withToken); got != "OK" {
		t.Errorf("mutual TLS with the token: %v, want OK", got)
	}
	wrong := mutual
	wrong.Token = "not-the-token-0123456789"
	if got := code(wrong); got != "UNAUTHENTICATED" {
		t.Errorf("a wrong token: %v, want Unauthenticated", got)
	}
	if got := code(Options{TLSCA: caFile, Token: testToken}); got != "UNAVAILABLE" {
		t.Errorf("no client certificate: %v, want Unavailable", got)
	}
	if _, err := DialWith(target, Options{Token: testToken}); err == nil {
		t.Error("a token without TLS was accepted")
	}
	if _, err := DialWith(target, Options{TLSCA: caFile, TLSCert: clientCert}); err == nil {
		t.Error("a certificate without its key was accepted")
	}
}
