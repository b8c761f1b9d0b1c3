// Package s3 holds the object-storage test (build tag s3, run by
// `make test-s3`): contract files through filestore.Tiered and s3store into
// a real S3-compatible server, SeaweedFS's weed, built from source by
// build.sh at the version pinned in tools/go.mod and started by the test on
// 127.0.0.1 free ports. It checks that the bucket holds ciphertext only,
// that uploads survive the server being down or slow, and that a corrupt
// object fails SM4-GCM authentication.
package s3
