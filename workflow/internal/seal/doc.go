// Package seal names what the workflow's packages need of the
// key-encryption key: sealing small values at rest, bound to a record id.
// workflow.KEK provides it (KEK.Sealer); notify and identity consume it.
package seal
