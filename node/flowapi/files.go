package flowapi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/filestore"
	"github.com/sealchain/sealchain/workflow/filestore/s3store"
)

// openFiles opens the document store: the local directory, or with
// [workflow.s3] enabled that directory as the spool of a bucket (then the
// returned Tiered must Run). The bucket need not be reachable: uploads
// wait in the spool.
func openFiles(c Config, kek *filestore.KEK, logger *slog.Logger) (workflow.FileStore, *filestore.Tiered, error) {
	local, err := filestore.Open(c.Paths.Files, kek)
	if err != nil {
		return nil, nil, err
	}
	sc := c.Workflow.S3
	if !sc.Enabled {
		return local, nil, nil
	}
	creds, err := s3store.LoadCredentials(c.Paths.S3Credentials)
	if err != nil {
		return nil, nil, &config.KeyError{Key: "workflow.s3.credentials_file", Err: err}
	}
	var roots *x509.CertPool
	if c.Paths.S3CA != "" {
		pem, err := os.ReadFile(c.Paths.S3CA)
		if err != nil {
			return nil, nil, &config.KeyError{Key: "workflow.s3.ca_file", Err: err}
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, &config.KeyError{Key: "workflow.s3.ca_file", Err: errors.New("no PEM certificate in " + c.Paths.S3CA)}
		}
	}
	remote, err := s3store.New(s3store.Config{Endpoint: sc.Endpoint, Region: sc.Region, Bucket: sc.Bucket,
		PathStyle: sc.PathStyle, RootCAs: roots, Credentials: creds})
	if err != nil {
		return nil, nil, &config.KeyError{Key: "workflow.s3", Err: err}
	}
	log := logger.With("part", "files", "bucket", sc.Bucket, "endpoint", sc.Endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := remote.CheckBucket(ctx); err != nil {
		// Not fatal: the store may be down now and back later; uploads
		// wait in the spool meanwhile. A wrong bucket or key shows here
		// and in the backlog metrics.
		log.Warn("object store not usable now; contract files wait in the local spool", "err", err)
	}
	t := filestore.NewTiered(local, remote, filestore.TieredConfig{Prefix: sc.Prefix, GetTimeout: sc.GetTimeout.Duration,
		UploadTimeout: sc.UploadTimeout.Duration, Workers: sc.Uploads, Logger: log})
	log.Info("contract files go to the object store", "spool", c.Paths.Files, "access_key_id", creds.AccessKeyID)
	return t, t, nil
}

// fileMetrics exports the upload backlog.
func fileMetrics(reg prometheus.Registerer, t *filestore.Tiered) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_files_backlog",
			Help: "Contract files accepted into the local spool and not yet uploaded to the object store."},
			func() float64 { return float64(t.Backlog().Files) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_files_backlog_bytes",
			Help: "Bytes of the files in the upload backlog (on the local disk)."},
			func() float64 { return float64(t.Backlog().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_files_backlog_oldest_seconds",
			Help: "Age of the oldest file waiting for upload (0: none)."},
			func() float64 {
				if o := t.Backlog().Oldest; !o.IsZero() {
					return time.Since(o).Seconds()
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_files_upload_failures",
			Help: "Consecutive failed uploads to the object store (0: the last one worked)."},
			func() float64 { return float64(t.Backlog().Failures) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sealchain_workflow_files_unverifiable",
			Help: "Spool files that do not decrypt and are not uploaded (see the log)."},
			func() float64 { return float64(t.Backlog().Unverifiable) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sealchain_workflow_files_uploaded_total",
			Help: "Files uploaded to the object store and checked, since the node started."},
			func() float64 { return float64(t.Backlog().Uploaded) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sealchain_workflow_files_upload_errors_total",
			Help: "Failed upload attempts, since the node started."},
			func() float64 { return float64(t.Backlog().Failed) }))
}

// runUploads uploads the spool until ctx ends; done is closed then.
func runUploads(ctx context.Context, t *filestore.Tiered, logger *slog.Logger, done chan<- struct{}) {
	defer close(done)
	if err := t.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("object store uploader stopped", "err", fmt.Errorf("files: %w", err))
	}
}
