// Package filestore keeps contract files off chain: content-addressed by the
// SM3 of the plaintext, encrypted at rest with SM4-GCM, written atomically.
//
// # Key hierarchy
//
// The platform's key-encryption key ([KEK], 16 bytes, SM4) lives in a file
// under the node home, mode 0600; [LoadKEK] creates it on first use and
// refuses a file readable by group or others. Every file gets a fresh
// 16-byte data key (DEK) from the store's random source. The DEK encrypts
// the content; the KEK wraps the DEK (SM4-GCM, 12-byte random nonce) with
// the file's SM3 and length as additional authenticated data, so a blob
// copied or renamed under another file's hash does not open. The KEK never
// leaves the process; losing it loses every file.
//
// # File format (version 1)
//
//	header (100 bytes):
//	  magic    8  "SCFS\x00v1\n"
//	  kek_id   8  SM3("sealchain/filestore/kek-id/v1" ‖ KEK)[:8]
//	  wrapped 44  nonce(12) ‖ SM4-GCM_KEK(DEK) (16+16), AAD = "sealchain/filestore/dek/v1" ‖ sm3 ‖ uint64be(size)
//	  sm3     32  SM3 of the plaintext
//	  size     8  uint64be plaintext length
//	chunks: the plaintext in 64 KiB pieces (the last one shorter, one empty
//	  chunk for an empty file), each SM4-GCM_DEK with nonce
//	  uint88be(index) ‖ last-flag(1 byte: 1 on the last chunk) and no AAD.
//
// A wrong KEK is detected by kek_id ([ErrWrongKEK]) before any decryption.
// Any flipped, truncated, reordered or appended byte fails authentication
// ([ErrCorrupt]). After decrypting, the SM3 of the plaintext is compared with
// the address ([ErrCorrupt] again).
//
// # Layout and durability
//
//	<dir>/tmp/                      partial writes (removed by Open)
//	<dir>/<hex[0:2]>/<hex sm3>.scfs complete files
//
// [Store.Put] writes to a temporary file under tmp/, fsyncs it, renames it
// into place and fsyncs the directory, so a crash never leaves a partial
// file under a final name. Put of content already stored is a no-op
// returning the same hash, except that a stored copy that no longer
// verifies is replaced (a way to repair a damaged file from the original).
//
// # Memory
//
// Put and Open stream: memory is bounded by two 64 KiB chunks however large
// the file. [Store.Get] reads the whole file into memory for callers that
// want bytes. Files are capped by [WithMaxSize] (default 256 MiB).
//
// # Object storage
//
// [Tiered] keeps files in an object store (S3, through [Remote]) with a
// [Store] as its spool: Put is the spool's Put (durable on return) and queues
// the file; [Tiered.Run] uploads, checks the stored size and MD5, then
// deletes the spool copy; Get reads the spool, then the object store. An
// object is the file with the header's plaintext SM3 zeroed, named by
// HMAC-SM3 under a key derived from the KEK ([Tiered.ObjectName]): the store
// learns neither the content nor its SM3 (only sizes and counts).
//
// # Reading
//
// The reader from [Store.Open] returns decrypted bytes as it authenticates
// each chunk; the final SM3 check happens when the last chunk is read, so a
// caller must read to io.EOF and treat any earlier error as a failed file.
package filestore
