//go:build s3

package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/weedtest"
)

// TestWorkflowS3 runs the platform node with [workflow.s3] against a real
// SeaweedFS server (make test-s3): a PDF uploaded through the workflow API
// lands in the bucket as ciphertext under a name that is not its SM3, the
// spool empties, and the contract's PDF is served back from the bucket.
func TestWorkflowS3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w := weedtest.Start(t)
	admin := weedtest.Client(w.Endpoint())
	weedtest.CreateBucket(t, admin, "contracts")
	creds := weedtest.WriteCredentials(t, 0o600)
	n := newITNet(ctx, t, withWorkflow, func(c *config.Config) {
		c.Workflow.S3.Enabled = true
		c.Workflow.S3.Endpoint = w.Endpoint()
		c.Workflow.S3.Bucket = "contracts"
		c.Workflow.S3.PathStyle = true
		c.Workflow.S3.Prefix = "files/"
		c.Workflow.S3.CredentialsFile = creds
	})
	wf := newWFCore(t, n.base, n.home)
	doc := testPDF(t)
	up := wf.must(http.StatusCreated, "POST", "/v1/wf/files", doc)
	fileID := up["file_id"].(string)

	var names []string
	require.Eventually(t, func() bool {
		names = weedtest.Objects(t, admin, "contracts")
		return len(names) == 1
	}, 30*time.Second, 100*time.Millisecond, "the upload reaches the bucket")
	require.NotContains(t, names[0], fileID)
	obj := weedtest.Raw(t, admin, "contracts", names[0])
	sum, _ := hex.DecodeString(fileID)
	require.False(t, bytes.Contains(obj, []byte("%PDF")), "no PDF header in the bucket")
	require.False(t, bytes.Contains(obj, doc[len(doc)/2:len(doc)/2+32]), "no plaintext in the bucket")
	require.False(t, bytes.Contains(obj, sum[:8]), "no document SM3 in the bucket")
	require.Eventually(t, func() bool {
		spooled, _ := filepath.Glob(filepath.Join(n.home.WorkflowFiles(), "??", "*.scfs"))
		return len(spooled) == 0
	}, 30*time.Second, 50*time.Millisecond, "the spool copy is deleted after the checked upload")

	// The contract is created from the file, now only in the bucket, and
	// its PDF read back through the API.
	a, b := wf.person("张三", "110101199003077774", "13800000001"), wf.person("李四", "110101198001011232", "13800000002")
	in := map[string]any{"title": "服务协议 service agreement", "file_id": fileID, "order": "parallel", "parties": []map[string]any{
		{"identity_id": a, "role": "甲方", "area": map[string]any{"page": 1, "x": 60, "y": 60, "w": 110, "h": 110}},
		{"identity_id": b, "role": "乙方", "area": map[string]any{"page": 1, "x": 260, "y": 60, "w": 110, "h": 110}}}}
	m := wf.must(http.StatusCreated, "POST", "/v1/wf/contracts", in)
	r := wf.call("GET", "/v1/wf/contracts/"+m["id"].(string)+"/pdf", nil, "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.True(t, bytes.HasPrefix(r.body, []byte("%PDF")))
}
