// Package s3store is the S3 object store behind the file spool
// (filestore.Tiered): a bucket on Amazon S3 or an S3-compatible server
// (SeaweedFS, MinIO, Ceph RGW, OSS/COS in S3 mode), reached with the AWS
// SDK for Go v2 and SigV4.
//
// It only moves opaque bytes: encryption, naming and the upload check are
// filestore's. The access key comes from a file of mode 0600
// ([LoadCredentials]); [Credentials] prints without its secret, and the SDK
// runs with no logger and without reading ~/.aws or AWS_* variables, so the
// key is never logged. Requests carry Content-MD5, and only the checksums
// the S3 API requires: the SDK's default trailing CRC32 is refused by
// several S3-compatible servers.
package s3store
