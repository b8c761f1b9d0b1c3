package config

import (
	"net/url"
	"strings"
	"time"
)

// WorkflowS3 puts contract files in an S3-compatible bucket
// (docs/operations.md "Object storage"). Off, they stay on the local disk
// under data/workflow-files, which is then the whole store; on, that
// directory is the spool uploads wait in.
type WorkflowS3 struct {
	Enabled bool `toml:"enabled"`
	// Endpoint is the server's URL, http(s)://host[:port].
	Endpoint string `toml:"endpoint"`
	Bucket   string `toml:"bucket"`
	// Region names the bucket's region for SigV4 (empty: us-east-1).
	Region string `toml:"region"`
	// PathStyle addresses endpoint/bucket/key instead of
	// bucket.endpoint/key (self-hosted servers usually want it).
	PathStyle bool `toml:"path_style"`
	// Prefix is put before every object name.
	Prefix string `toml:"prefix"`
	// CAFile, relative to the home, is the PEM CA bundle trusted for an
	// https endpoint instead of the system's.
	CAFile string `toml:"ca_file"`
	// CredentialsFile, relative to the home, holds the access key
	// (access_key_id = ..., secret_access_key = ...); mode 0600 or the
	// node refuses to start.
	CredentialsFile string `toml:"credentials_file"`
	// GetTimeout bounds one read from the bucket; UploadTimeout one
	// upload with its check.
	GetTimeout    Duration `toml:"get_timeout"`
	UploadTimeout Duration `toml:"upload_timeout"`
	// Uploads is the number of concurrent uploads.
	Uploads int `toml:"uploads"`
}

// DefaultWorkflowS3 is off, with the timeouts used when it is turned on.
func DefaultWorkflowS3() WorkflowS3 {
	return WorkflowS3{CredentialsFile: "config/s3-credentials", GetTimeout: Duration{30 * time.Second},
		UploadTimeout: Duration{5 * time.Minute}, Uploads: 4}
}

func (s *WorkflowS3) validate() error {
	if !s.Enabled {
		return nil
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.User != nil || u.RawQuery != "" {
		return keyErr("workflow.s3.endpoint", "%q: want http(s)://host[:port]", s.Endpoint)
	}
	if n := len(s.Bucket); n < 3 || n > 63 || strings.Trim(s.Bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return keyErr("workflow.s3.bucket", "%q: want 3..63 lower-case letters, digits, dots and hyphens", s.Bucket)
	}
	if s.CredentialsFile == "" {
		return keyErr("workflow.s3.credentials_file", "required")
	}
	if strings.HasPrefix(s.Prefix, "/") || len(s.Prefix) > 256 {
		return keyErr("workflow.s3.prefix", "%q: want at most 256 bytes, not starting with /", s.Prefix)
	}
	if d := s.GetTimeout.Duration; d < time.Second || d > 10*time.Minute {
		return keyErr("workflow.s3.get_timeout", "%s, want 1s..10m", d)
	}
	if d := s.UploadTimeout.Duration; d < time.Second || d > time.Hour {
		return keyErr("workflow.s3.upload_timeout", "%s, want 1s..1h", d)
	}
	if s.Uploads < 1 || s.Uploads > 64 {
		return keyErr("workflow.s3.uploads", "%d, want 1..64", s.Uploads)
	}
	return nil
}

// workflowS3Header documents the section in the file Encode writes.
const workflowS3Header = `# [workflow.s3] enabled           keep contract files in an S3-compatible bucket; data/workflow-files becomes the upload spool
# [workflow.s3] endpoint, bucket, region, path_style, prefix  where ("https://s3.example.cn:9000"; region default us-east-1)
# [workflow.s3] ca_file           PEM CAs trusted for an https endpoint (default: the system's)
# [workflow.s3] credentials_file  access_key_id = ... / secret_access_key = ...; mode 0600 or the node refuses to start
# [workflow.s3] get_timeout, upload_timeout, uploads  one read, one checked upload, concurrent uploads
`
