package s3store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sealchain/sealchain/workflow/filestore"
)

// Config says where the bucket is and how to reach it.
type Config struct {
	// Endpoint is the server's URL, http(s)://host[:port]; Region its
	// region ("us-east-1" when empty, which most S3-compatible servers
	// accept).
	Endpoint, Region, Bucket string
	// PathStyle addresses the bucket as endpoint/bucket/key rather than
	// bucket.endpoint/key (most self-hosted servers want path style).
	PathStyle bool
	// RootCAs, when set, is the only set of CAs trusted for an https
	// endpoint; nil trusts the system's.
	RootCAs *x509.CertPool
	// Credentials signs requests (SigV4); the secret never leaves the
	// process (only signatures do).
	Credentials Credentials
	// Attempts is how often the SDK tries one request (default 1: the
	// spool's uploader retries with its own backoff).
	Attempts int
}

// Credentials are an access key. String and LogValue hide the secret.
type Credentials struct {
	AccessKeyID string
	secret      string
}

// NewCredentials returns an access key.
func NewCredentials(id, secret string) Credentials {
	return Credentials{AccessKeyID: id, secret: secret}
}

func (c Credentials) String() string { return "access key " + c.AccessKeyID + " (secret withheld)" }

// LoadCredentials reads an access key from a file of two lines,
// "access_key_id = ..." and "secret_access_key = ..." (blank lines and
// lines starting with # are ignored). It refuses a file readable or
// writable by group or others: the key opens every file's ciphertext to
// deletion or replacement.
func LoadCredentials(path string) (Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("s3 credentials: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Credentials{}, fmt.Errorf("s3 credentials: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Credentials{}, fmt.Errorf("s3 credentials %s: mode %v, want 0600 (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	var c Credentials
	sc := bufio.NewScanner(io.LimitReader(f, 64<<10))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return Credentials{}, fmt.Errorf("s3 credentials %s: line %d: want key = value", path, n)
		case k == "access_key_id":
			c.AccessKeyID = v
		case k == "secret_access_key":
			c.secret = v
		default:
			// Do not echo the line: it may hold the secret.
			return Credentials{}, fmt.Errorf("s3 credentials %s: line %d: unknown key %q", path, n, k)
		}
	}
	if err := sc.Err(); err != nil {
		return Credentials{}, fmt.Errorf("s3 credentials %s: %w", path, err)
	}
	if c.AccessKeyID == "" || c.secret == "" {
		return Credentials{}, fmt.Errorf("s3 credentials %s: want access_key_id and secret_access_key", path)
	}
	return c, nil
}

// Client is a bucket on an S3-compatible server: a filestore.Remote.
type Client struct {
	s3     *s3.Client
	bucket string
}

var _ filestore.Remote = (*Client)(nil)

// New returns a client of the bucket c names. It does not contact the
// server (see CheckBucket).
func New(c Config) (*Client, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("s3: endpoint %q: want http(s)://host[:port]", c.Endpoint)
	}
	if c.Bucket == "" {
		return nil, errors.New("s3: no bucket")
	}
	if c.Credentials.AccessKeyID == "" || c.Credentials.secret == "" {
		return nil, errors.New("s3: no credentials")
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	creds := c.Credentials
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 1
	}
	cl := s3.New(s3.Options{
		BaseEndpoint: aws.String(strings.TrimRight(c.Endpoint, "/")),
		Region:       region,
		UsePathStyle: c.PathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.secret, Source: "sealchain"}, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
		// Checksums only where the API requires them: several
		// S3-compatible servers reject the SDK's default trailing
		// CRC32 (aws-chunked). PutObject sends Content-MD5 instead.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           attempts,
	})
	return &Client{s3: cl, bucket: c.Bucket}, nil
}

// CheckBucket asks the server whether the bucket exists and the key may
// use it.
func (c *Client) CheckBucket(ctx context.Context) error {
	if _, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &c.bucket}); err != nil {
		return fmt.Errorf("s3: bucket %s: %w", c.bucket, mapErr(err))
	}
	return nil
}

// PutObject implements filestore.Remote.
func (c *Client) PutObject(ctx context.Context, name string, body io.ReadSeeker, size int64, contentMD5 []byte) error {
	_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &c.bucket, Key: &name, Body: body, ContentLength: &size,
		ContentMD5:  aws.String(base64.StdEncoding.EncodeToString(contentMD5)),
		ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", name, mapErr(err))
	}
	return nil
}

// StatObject implements filestore.Remote.
func (c *Client) StatObject(ctx context.Context, name string) (filestore.ObjectInfo, error) {
	out, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &c.bucket, Key: &name})
	if err != nil {
		return filestore.ObjectInfo{}, fmt.Errorf("s3: head %s: %w", name, mapErr(err))
	}
	return filestore.ObjectInfo{Size: aws.ToInt64(out.ContentLength), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}, nil
}

// GetObject implements filestore.Remote.
func (c *Client) GetObject(ctx context.Context, name string, max int64) ([]byte, error) {
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &c.bucket, Key: &name})
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", name, mapErr(err))
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > max {
		return nil, fmt.Errorf("s3: get %s: %d bytes, more than %d", name, n, max)
	}
	var buf bytes.Buffer
	if n := aws.ToInt64(out.ContentLength); n > 0 {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(io.LimitReader(out.Body, max+1)); err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", name, err)
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("s3: get %s: more than %d bytes", name, max)
	}
	return buf.Bytes(), nil
}

// mapErr makes a missing object or bucket wrap filestore.ErrNotFound.
func mapErr(err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return fmt.Errorf("%w (%v)", filestore.ErrNotFound, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return fmt.Errorf("%w (%v)", filestore.ErrNotFound, err)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && !isBucketErr(err) {
		return fmt.Errorf("%w (%v)", filestore.ErrNotFound, err)
	}
	return err
}

// isBucketErr: a missing bucket is a configuration error, not a missing
// file.
func isBucketErr(err error) bool {
	var nsb *types.NoSuchBucket
	var api smithy.APIError
	return errors.As(err, &nsb) || (errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket")
}
