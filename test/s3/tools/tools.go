//go:build tools

// Package tools pins the SeaweedFS release whose weed binary the S3 test
// builds from source (a real S3-compatible server on 127.0.0.1). It is its
// own module so SeaweedFS's dependencies stay out of the node's; weed is a
// test tool only and is not shipped.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
