package domain

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// ID is a public identifier: a UUID, version 7 when generated here, so that new
// rows land at the end of their primary-key index. No sequential id ever leaves
// the database.
type ID [16]byte

// NilID is the zero ID.
var NilID ID

// NewID returns a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds followed
// by random bits.
func NewID() ID {
	return newIDAt(time.Now())
}

func newIDAt(t time.Time) ID {
	var id ID
	if _, err := rand.Read(id[6:]); err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	ms := uint64(t.UnixMilli())
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms)
	copy(id[0:6], ts[2:8])
	id[6] = (id[6] & 0x0f) | 0x70 // version 7
	id[8] = (id[8] & 0x3f) | 0x80 // RFC 4122 variant
	return id
}

// ParseID parses the canonical 36-character form of a UUID. Anything else is an
// EINVALID error that names the offending text.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, Errorf(EINVALID, "%q is not a valid id: expected a UUID such as 0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", truncate(s, 64))
	}
	hexPart := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(hexPart)); err != nil {
		return NilID, Errorf(EINVALID, "%q is not a valid id: expected a UUID such as 0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", truncate(s, 64))
	}
	return id, nil
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == NilID }

// String returns the canonical lower-case form.
func (id ID) String() string {
	var buf [36]byte
	hex.Encode(buf[0:8], id[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], id[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], id[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], id[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], id[10:16])
	return string(buf[:])
}

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
