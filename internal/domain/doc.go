// Package domain holds applyq's entities, the task state machine, validation,
// error codes and the interfaces that the adapters implement. It imports only
// the standard library and, for UUIDv7 ids (id.go), github.com/google/uuid:
// nothing here knows about Postgres, River or HTTP.
package domain
