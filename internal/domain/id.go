package domain

import (
	"bytes"
	"database/sql/driver"
	"fmt"

	"github.com/google/uuid"
)

// ID is a public identifier: a UUID, version 7 when generated here, so that new
// rows land at the end of their primary-key index. No sequential id ever leaves
// the database. It is applyq's own type over github.com/google/uuid's, so that
// its text, JSON and SQL forms are defined here.
type ID uuid.UUID

// NilID is the zero ID.
var NilID ID

// NewID returns a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then
// bits that keep the ids one process makes within a millisecond in order,
// then random bits.
func NewID() ID {
	id, err := uuid.NewV7()
	if err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	return ID(id)
}

// Compare orders ids as Postgres orders uuids (bytewise): -1, 0 or +1.
func (id ID) Compare(other ID) int { return bytes.Compare(id[:], other[:]) }

// ParseID parses the canonical 36-character form of a UUID. Anything else (the
// other forms uuid.Parse takes included) is an EINVALID error that names the
// offending text.
func ParseID(s string) (ID, error) {
	if len(s) == 36 {
		if id, err := uuid.Parse(s); err == nil {
			return ID(id), nil
		}
	}
	return NilID, Errorf(EINVALID, "%q is not a valid id: expected a UUID such as 0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", truncate(s, 64))
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == NilID }

// String returns the canonical lower-case form.
func (id ID) String() string { return uuid.UUID(id).String() }

// MarshalText implements encoding.TextMarshaler (JSON encodes the string form).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	parsed, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}

// Value implements driver.Valuer so database drivers store the uuid text form.
func (id ID) Value() (driver.Value, error) { return id.String(), nil }

// Scan implements sql.Scanner for the text and binary forms of a uuid.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case string:
		return id.UnmarshalText([]byte(v))
	case []byte:
		if len(v) == 16 {
			copy(id[:], v)
			return nil
		}
		return id.UnmarshalText(v)
	case [16]byte:
		*id = v
		return nil
	case nil:
		*id = NilID
		return nil
	}
	return fmt.Errorf("domain.ID: cannot scan %T", src)
}

func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
