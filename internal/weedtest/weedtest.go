// Package weedtest starts SeaweedFS's weed (a real S3-compatible server,
// built by test/s3/build.sh and named by $SEALCHAIN_WEED) on 127.0.0.1
// free ports for the tests of make test-s3, and looks into its buckets as
// an outsider does.
package weedtest

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/internal/testport"
)

// The access key the server accepts (an admin identity).
const (
	AccessKey = "sealchain-test"
	SecretKey = "sealchain-test-secret-0123456789abcdef"
)

// Server is one weed process: master, volume server, filer and S3 gateway.
type Server struct {
	bin, dir string
	ports    []int // master, master grpc, volume, volume grpc, filer, filer grpc, s3, s3 grpc
	cmd      *exec.Cmd
	exited   chan struct{}
	log      *os.File
}

// Endpoint is the S3 gateway's URL.
func (w *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(w.ports[6]) }

// Start starts a server that stops when the test ends; it skips the test
// when $SEALCHAIN_WEED is unset.
func Start(t *testing.T) *Server {
	t.Helper()
	bin := os.Getenv("SEALCHAIN_WEED")
	if bin == "" {
		t.Skip("SEALCHAIN_WEED unset: run make test-s3 (it builds weed with test/s3/build.sh)")
	}
	base, err := testport.Block(8)
	require.NoError(t, err)
	w := &Server{bin: bin, dir: t.TempDir()}
	for i := range 8 {
		w.ports = append(w.ports, base+i)
	}
	cfg, err := json.Marshal(map[string]any{"identities": []any{map[string]any{
		"name":        "sealchain",
		"credentials": []any{map[string]string{"accessKey": AccessKey, "secretKey": SecretKey}},
		"actions":     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "s3.json"), cfg, 0o600))
	w.log, err = os.Create(filepath.Join(w.dir, "weed.log"))
	require.NoError(t, err)
	t.Cleanup(func() {
		w.Stop(t)
		if t.Failed() {
			b, _ := os.ReadFile(w.log.Name())
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("weed log (tail):\n%s", b)
		}
		w.log.Close()
	})
	w.Restart(t)
	return w
}

// Restart starts the server again over the same data and ports (after
// Stop), and waits until its S3 gateway answers.
func (w *Server) Restart(t *testing.T) {
	t.Helper()
	p := func(i int) string { return strconv.Itoa(w.ports[i]) }
	data := filepath.Join(w.dir, "data")
	require.NoError(t, os.MkdirAll(data, 0o700))
	w.cmd = exec.Command(w.bin, "server", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+p(0), "-master.port.grpc="+p(1), "-master.telemetry=false", "-master.volumeSizeLimitMB=32",
		"-volume.port="+p(2), "-volume.port.grpc="+p(3), "-volume.max=100",
		"-filer", "-filer.port="+p(4), "-filer.port.grpc="+p(5),
		"-filer.localSocket="+filepath.Join(w.dir, "filer.sock"),
		"-s3", "-s3.port="+p(6), "-s3.port.grpc="+p(7), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.localSocket="+filepath.Join(w.dir, "s3.sock"),
		"-s3.config="+filepath.Join(w.dir, "s3.json"))
	w.cmd.Stdout, w.cmd.Stderr = w.log, w.log
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, w.cmd.Start())
	w.exited = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(w.cmd, w.exited)
	cl := Client(w.Endpoint())
	start := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err == nil {
			t.Logf("weed S3 ready in %v", time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-w.exited:
			t.Fatalf("weed exited while starting (see its log)")
		default:
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("weed S3 not ready after 90s: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM to its process group, then SIGKILL).
func (w *Server) Stop(t *testing.T) {
	if w.cmd == nil {
		return
	}
	_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.exited
	}
	w.cmd = nil
}

// Client is a plain SDK client with the server's access key.
func Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: AccessKey, SecretAccessKey: SecretKey}, nil
		}),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired, RetryMaxAttempts: 1})
}

// CreateBucket creates bucket.
func CreateBucket(t *testing.T, cl *s3.Client, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	require.NoError(t, err)
}

// WriteCredentials writes the access key file as an operator does, with
// mode, and returns its path.
func WriteCredentials(t *testing.T, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s3-credentials")
	require.NoError(t, os.WriteFile(path, []byte("# test key\naccess_key_id = "+AccessKey+"\nsecret_access_key = "+SecretKey+"\n"), mode))
	require.NoError(t, os.Chmod(path, mode))
	return path
}

// Objects lists the bucket's object names.
func Objects(t *testing.T, cl *s3.Client, bucket string) []string {
	t.Helper()
	out, err := cl.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bucket})
	require.NoError(t, err)
	var names []string
	for _, o := range out.Contents {
		names = append(names, aws.ToString(o.Key))
	}
	return names
}

// Raw reads an object's bytes.
func Raw(t *testing.T, cl *s3.Client, bucket, name string) []byte {
	t.Helper()
	out, err := cl.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &name})
	require.NoError(t, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return b
}
