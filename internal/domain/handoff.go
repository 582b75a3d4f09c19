package domain

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// A hand-off (issue 24): the worker holds a filled page whose form posed a
// challenge, and the task's person passes the challenge in that page from
// the dashboard. Frames of the page and the person's input travel through
// Postgres, bounded by the limits below.

// Hand-off bounds.
const (
	// MaxHandoffFrameBytes bounds one frame (a compressed viewport image).
	MaxHandoffFrameBytes = 512 << 10
	// MaxHandoffFrameSide bounds a frame's width and height, in pixels.
	MaxHandoffFrameSide = 4096
	// MaxHandoffInputsPerSecond bounds the input one hand-off takes.
	MaxHandoffInputsPerSecond = 50
	// MaxHandoffText bounds the text one input types.
	MaxHandoffText = 64
	// HandoffChannel is the NOTIFY channel of frames ("frame:<task>:<seq>")
	// and input ("input:<task>:<id>").
	HandoffChannel = "applyq_handoff"
)

// Handoff is a task's hand-off as the database keeps it.
type Handoff struct {
	TaskID    ID
	UserID    ID
	Owner     string // the worker holding the page
	OpenedAt  time.Time
	ExpiresAt time.Time
	EndedAt   *time.Time
	EndReason string
	// Viewer is the one viewing page allowed to act, until ViewerUntil.
	Viewer      string
	ViewerUntil *time.Time
	// Live: not ended and before ExpiresAt (on the database's clock, when
	// read with it).
	Live bool
}

// HandoffFrame is the held page's latest frame.
type HandoffFrame struct {
	Seq           int64
	Width, Height int
	MIME          string
	Data          []byte
	At            time.Time
}

// Validate checks a frame before it is stored.
func (f HandoffFrame) Validate() error {
	switch {
	case f.MIME != "image/jpeg" && f.MIME != "image/png":
		return Errorf(EINVALID, "a hand-off frame is a JPEG or PNG image, not %q", f.MIME)
	case f.Width < 1 || f.Height < 1 || f.Width > MaxHandoffFrameSide || f.Height > MaxHandoffFrameSide:
		return Errorf(EINVALID, "a hand-off frame is 1 to %d pixels on each side, not %d×%d", MaxHandoffFrameSide, f.Width, f.Height)
	case len(f.Data) == 0:
		return Errorf(EINVALID, "a hand-off frame has no image")
	case len(f.Data) > MaxHandoffFrameBytes:
		return Errorf(ETOOLARGE, "a hand-off frame is at most %d KiB, not %d KiB: lower its quality or size", MaxHandoffFrameBytes>>10, (len(f.Data)+1023)>>10)
	}
	return nil
}

// HandoffInputKind is what an input does to the held page.
type HandoffInputKind string

// Input kinds.
const (
	InputMouse HandoffInputKind = "mouse" // a button pressed or released, or the pointer moved, at X, Y
	InputWheel HandoffInputKind = "wheel" // a scroll by DeltaX, DeltaY at X, Y
	InputKey   HandoffInputKind = "key"   // one named key pressed and released
	InputText  HandoffInputKind = "text"  // text typed as is
)

// HandoffKeys are the named keys a person may press in a held page.
var HandoffKeys = map[string]bool{
	"Enter": true, "Tab": true, "Backspace": true, "Delete": true, "Escape": true, "Space": true,
	"ArrowUp": true, "ArrowDown": true, "ArrowLeft": true, "ArrowRight": true,
	"Home": true, "End": true, "PageUp": true, "PageDown": true,
}

// HandoffInput is one input of the person for the held page. X and Y are
// in the frame's pixels.
type HandoffInput struct {
	ID     int64            `json:"-"`
	Kind   HandoffInputKind `json:"-"`
	Type   string           `json:"type,omitempty"`   // mouse: down, up or move
	Button string           `json:"button,omitempty"` // mouse: left, middle or right (down and up)
	X      float64          `json:"x,omitempty"`
	Y      float64          `json:"y,omitempty"`
	DeltaX float64          `json:"dx,omitempty"` // wheel
	DeltaY float64          `json:"dy,omitempty"`
	Key    string           `json:"key,omitempty"`  // key: one of HandoffKeys
	Text   string           `json:"text,omitempty"` // text
	At     time.Time        `json:"-"`
}

// Validate checks the input against the frame it was made on (width ×
// height pixels): only what that page could take.
func (in HandoffInput) Validate(width, height int) error {
	inFrame := func() error {
		if in.X < 0 || in.Y < 0 || in.X >= float64(width) || in.Y >= float64(height) {
			return Errorf(EINVALID, "the point (%g, %g) is outside the page's %d×%d view", in.X, in.Y, width, height)
		}
		return nil
	}
	switch in.Kind {
	case InputMouse:
		switch in.Type {
		case "down", "up":
			if in.Button != "left" && in.Button != "middle" && in.Button != "right" {
				return Errorf(EINVALID, "a mouse button is left, middle or right, not %q", in.Button)
			}
		case "move":
		default:
			return Errorf(EINVALID, "a mouse input is down, up or move, not %q", in.Type)
		}
		return inFrame()
	case InputWheel:
		if in.DeltaX < -2000 || in.DeltaX > 2000 || in.DeltaY < -2000 || in.DeltaY > 2000 {
			return Errorf(EINVALID, "a scroll moves at most 2000 pixels at once")
		}
		return inFrame()
	case InputKey:
		if !HandoffKeys[in.Key] {
			return Errorf(EINVALID, "the key %q cannot be pressed in a held page (type text instead, or use Enter, Tab, Backspace, Delete, Escape, Space, the arrows, Home, End, PageUp or PageDown)", in.Key)
		}
		return nil
	case InputText:
		n := utf8.RuneCountInString(in.Text)
		if n == 0 || n > MaxHandoffText || !utf8.ValidString(in.Text) {
			return Errorf(EINVALID, "typed text is 1 to %d characters at a time", MaxHandoffText)
		}
		return nil
	}
	return Errorf(EINVALID, "an input is mouse, wheel, key or text, not %q", in.Kind)
}

// Payload is the input's stored form (its kind is stored beside it).
func (in HandoffInput) Payload() ([]byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("hand-off input: %w", err)
	}
	return b, nil
}

// ParseHandoffInput reads a stored input back.
func ParseHandoffInput(id int64, kind string, payload []byte, at time.Time) (HandoffInput, error) {
	var in HandoffInput
	if err := json.Unmarshal(payload, &in); err != nil {
		return HandoffInput{}, fmt.Errorf("hand-off input %d: %w", id, err)
	}
	in.ID, in.Kind, in.At = id, HandoffInputKind(kind), at
	return in, nil
}
