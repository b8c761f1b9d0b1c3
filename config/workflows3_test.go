package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
)

func TestWorkflowS3Validate(t *testing.T) {
	on := func(w *config.WorkflowS3) {
		w.Enabled, w.Endpoint, w.Bucket = true, "https://s3.example.cn:9000", "sealchain-files"
	}
	tests := []struct {
		name   string
		mod    func(w *config.WorkflowS3)
		badKey string // "" when valid
	}{
		{"off by default", func(*config.WorkflowS3) {}, ""},
		{"off ignores the rest", func(w *config.WorkflowS3) { w.Endpoint = "::" }, ""},
		{"on", on, ""},
		{"plain http", func(w *config.WorkflowS3) { on(w); w.Endpoint = "http://127.0.0.1:8333" }, ""},
		{"no endpoint", func(w *config.WorkflowS3) { on(w); w.Endpoint = "" }, "workflow.s3.endpoint"},
		{"endpoint with a path", func(w *config.WorkflowS3) { on(w); w.Endpoint = "https://s3.example.cn/bucket" }, "workflow.s3.endpoint"},
		{"endpoint with user info", func(w *config.WorkflowS3) { on(w); w.Endpoint = "https://key:secret@s3.example.cn" }, "workflow.s3.endpoint"},
		{"ftp endpoint", func(w *config.WorkflowS3) { on(w); w.Endpoint = "ftp://s3.example.cn" }, "workflow.s3.endpoint"},
		{"no bucket", func(w *config.WorkflowS3) { on(w); w.Bucket = "" }, "workflow.s3.bucket"},
		{"upper-case bucket", func(w *config.WorkflowS3) { on(w); w.Bucket = "Files" }, "workflow.s3.bucket"},
		{"no credentials", func(w *config.WorkflowS3) { on(w); w.CredentialsFile = "" }, "workflow.s3.credentials_file"},
		{"absolute prefix", func(w *config.WorkflowS3) { on(w); w.Prefix = "/files/" }, "workflow.s3.prefix"},
		{"get timeout", func(w *config.WorkflowS3) { on(w); w.GetTimeout = config.Duration{Duration: time.Millisecond} }, "workflow.s3.get_timeout"},
		{"upload timeout", func(w *config.WorkflowS3) { on(w); w.UploadTimeout = config.Duration{} }, "workflow.s3.upload_timeout"},
		{"uploads", func(w *config.WorkflowS3) { on(w); w.Uploads = 0 }, "workflow.s3.uploads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.mod(&c.Workflow.S3)
			err := c.Validate()
			var ke *config.KeyError
			switch {
			case tc.badKey == "" && err != nil:
				t.Fatalf("validate: %v", err)
			case tc.badKey != "" && (!errors.As(err, &ke) || ke.Key != tc.badKey):
				t.Fatalf("validate: %v, want an error naming %s", err, tc.badKey)
			}
		})
	}
}

func TestWorkflowS3Load(t *testing.T) {
	home := writeConfig(t, `moniker = "n"
org = "platform"
[workflow.s3]
enabled = true
endpoint = "http://127.0.0.1:8333"
bucket = "contracts"
path_style = true
`)
	c, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Workflow.S3
	if !s.Enabled || !s.PathStyle || s.Bucket != "contracts" || s.CredentialsFile != "config/s3-credentials" ||
		s.GetTimeout.Duration != 30*time.Second || s.Uploads != 4 {
		t.Fatalf("loaded %+v", s)
	}
}
