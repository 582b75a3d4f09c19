package applier_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
)

// fakeFiles is a DocumentFiles over a map: a document it lacks, or one of
// another user, cannot be opened.
type fakeFiles map[domain.ID]fakeDocument

type fakeDocument struct {
	doc  domain.Document
	data []byte
}

func (f fakeFiles) OpenForApplication(_ context.Context, userID, id domain.ID) (io.ReadCloser, *domain.Document, error) {
	d, ok := f[id]
	if !ok || d.doc.UserID != userID {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "document not found")
	}
	doc := d.doc
	return io.NopCloser(bytes.NewReader(d.data)), &doc, nil
}

// add stores a document of user and returns the FormFile a packet carries.
func (f fakeFiles) add(user domain.ID, kind, filename, contentType, data string) *domain.FormFile {
	id := domain.NewID()
	f[id] = fakeDocument{doc: domain.Document{ID: id, UserID: user, Kind: domain.DocumentKind(kind), Filename: filename,
		ContentType: contentType, Size: int64(len(data))}, data: []byte(data)}
	return &domain.FormFile{DocumentID: id, Kind: kind, Name: filename, Filename: filename, ContentType: contentType, Size: int64(len(data))}
}

// recvPart is one part of a multipart request as the server read it.
type recvPart struct {
	Name, Filename, ContentType, Data string
}

func text(name, value string) recvPart { return recvPart{Name: name, Data: value} }

// recruiteeServer stands for a Recruitee careers site: it parses every
// request's multipart body, records it, and answers with RespondFunc.
type recruiteeServer struct {
	*httptest.Server
	RespondFunc func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	paths    []string
	accepts  []string
	requests [][]recvPart
}

func newRecruiteeServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *recruiteeServer {
	t.Helper()
	s := &recruiteeServer{RespondFunc: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var parts []recvPart
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, "not multipart: "+err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			data, _ := io.ReadAll(p)
			rp := recvPart{Name: p.FormName(), Filename: p.FileName(), Data: string(data)}
			if rp.Filename != "" {
				rp.ContentType = p.Header.Get("Content-Type")
			}
			parts = append(parts, rp)
		}
		s.mu.Lock()
		s.paths = append(s.paths, r.Method+" "+r.URL.Path)
		s.accepts = append(s.accepts, r.Header.Get("Accept"))
		s.requests = append(s.requests, parts)
		s.mu.Unlock()
		s.RespondFunc(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Base is the applier's BaseURL for this server.
func (s *recruiteeServer) Base() string { return s.URL + "/{board}" }

// Seen lists each request's method and path, and its Accept header.
func (s *recruiteeServer) Seen() (paths, accepts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...), append([]string(nil), s.accepts...)
}

func (s *recruiteeServer) Requests() [][]recvPart {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]recvPart(nil), s.requests...)
}

func answerJSON(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func recruiteePacket(user domain.ID) *domain.Packet {
	return &domain.Packet{TaskID: domain.NewID(), UserID: user, Applier: "recruitee", Platform: domain.PlatformRecruitee,
		Board: "acme", PlatformPostingID: "backend-engineer", Company: "Acme", Title: "Backend Engineer",
		Applicant: domain.Profile{Name: "Ada Lovelace", Phone: "+44 20 7946 0000"}, Email: "ada@example.com",
		CoverLetter: "Dear Acme,\nI would like to join."}
}

func std(field, label string, kind domain.QuestionKind, required bool) domain.FormField {
	return domain.FormField{Field: field, Label: label, Kind: kind, Required: required, Section: domain.SectionStandard}
}

func open(id, label string, kind domain.QuestionKind, required bool, opts ...string) domain.FormField {
	f := domain.FormField{Field: id, Label: label, Kind: kind, Required: required, Section: domain.SectionCustom}
	for _, o := range opts {
		f.Options = append(f.Options, domain.QuestionOption{Label: o, Value: o})
	}
	return f
}

const answersPrefix = "candidate[open_question_answers_attributes]"

func TestRecruitee_SendsTheApprovedFormEveryKind(t *testing.T) {
	t.Parallel()
	srv := newRecruiteeServer(t, answerJSON(http.StatusCreated, `{"candidate":{"id":4242,"name":"Ada Lovelace"}}`))
	user := domain.NewID()
	files := fakeFiles{}
	cv := files.add(user, "resume", "ada-cv.pdf", "application/pdf", "%PDF-1.7 résumé bytes")
	photo := files.add(user, "other", "ada.png", "image/png", "\x89PNG photo")
	portfolio := files.add(user, "cover_letter", "letter.docx",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK docx bytes")

	p := recruiteePacket(user)
	fields := []domain.FormField{
		std("name", "Name", domain.QuestionText, true),
		std("email", "Email", domain.QuestionText, true),
		std("phone", "Phone", domain.QuestionText, true),
		std("cv", "CV", domain.QuestionFile, true),
		std("cover_letter", "Cover letter", domain.QuestionTextarea, false),
		std("photo", "Photo", domain.QuestionFile, false),
		open("101", "Native language", domain.QuestionText, true),
		open("102", "Why Acme?", domain.QuestionTextarea, true),
		open("103", "Where would you work?", domain.QuestionSingleSelect, true, "Office", "Remote"),
		open("104", "Languages you use", domain.QuestionMultiSelect, false, "Go", "Rust", "SQL"),
		open("105", "Do you need a visa?", domain.QuestionBoolean, true),
		open("106", "I agree to the privacy policy", domain.QuestionBoolean, true),
		open("107", "Earliest start date", domain.QuestionDate, true),
		open("108", "Expected salary", domain.QuestionNumber, true),
		open("109", "A writing sample", domain.QuestionFile, false),
		open("110", "Anything else?", domain.QuestionTextarea, false), // left empty: not sent
		{Field: "csrf", Kind: domain.QuestionHidden, Source: domain.SourcePlatform},
	}
	values := map[string]string{"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000",
		"cover_letter": "Dear Acme,\nI would like to join.", "101": "English", "102": "Because.\nTwo lines.", "103": "Remote",
		"105": "no", "106": "yes", "107": "2026-09-01", "108": "85000"}
	for i := range fields {
		fields[i].Value = values[fields[i].Field]
	}
	fields[3].File, fields[5].File, fields[14].File = cv, photo, portfolio
	fields[9].Values = []string{"Go", "SQL"}
	p.Form = &domain.Form{Fields: fields}
	p.Documents = p.Form.Files()

	ap := &applier.Recruitee{BaseURL: srv.Base(), Files: files, Timeout: 5 * time.Second}
	require.Equal(t, "recruitee", ap.Name())
	require.False(t, ap.IdempotentRetries())
	res, err := ap.Apply(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, domain.OutcomeSubmitted, domain.ClassifyApply(err, ap.IdempotentRetries()))
	require.Equal(t, "4242", res.Reference)
	require.Equal(t, []domain.Evidence{{Kind: domain.EvidenceConfirmation, ContentType: "application/json; charset=utf-8",
		Data: []byte(`{"candidate":{"id":4242,"name":"Ada Lovelace"}}`)}}, res.Evidence)

	a := func(i int, key string) string { return answersPrefix + "[" + strconv.Itoa(i) + "]" + key }
	paths, accepts := srv.Seen()
	require.Equal(t, []string{"POST /acme/api/offers/backend-engineer/candidates"}, paths)
	require.Equal(t, []string{"application/json"}, accepts)
	require.Equal(t, [][]recvPart{{
		text("candidate[name]", "Ada Lovelace"),
		text("candidate[email]", "ada@example.com"),
		text("candidate[phone]", "+44 20 7946 0000"),
		{Name: "candidate[cv]", Filename: "ada-cv.pdf", ContentType: "application/pdf", Data: "%PDF-1.7 résumé bytes"},
		text("candidate[cover_letter]", "Dear Acme,\nI would like to join."),
		{Name: "candidate[photo]", Filename: "ada.png", ContentType: "image/png", Data: "\x89PNG photo"},
		text(a(0, "[open_question_id]"), "101"), text(a(0, "[content]"), "English"),
		text(a(1, "[open_question_id]"), "102"), text(a(1, "[content]"), "Because.\nTwo lines."),
		text(a(2, "[open_question_id]"), "103"), text(a(2, "[content]"), "Remote"),
		text(a(3, "[open_question_id]"), "104"), text(a(3, "[multi_content][]"), "Go"), text(a(3, "[multi_content][]"), "SQL"),
		text(a(4, "[open_question_id]"), "105"), text(a(4, "[flag]"), "false"),
		text(a(5, "[open_question_id]"), "106"), text(a(5, "[flag]"), "true"),
		text(a(6, "[open_question_id]"), "107"), text(a(6, "[content]"), "2026-09-01"),
		text(a(7, "[open_question_id]"), "108"), text(a(7, "[content]"), "85000"),
		text(a(8, "[open_question_id]"), "109"),
		{Name: a(8, "[file]"), Filename: "letter.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Data: "PK docx bytes"},
	}}, srv.Requests())
}

func TestRecruitee_WithoutAFormSendsProfileLetterAndResume(t *testing.T) {
	t.Parallel()
	srv := newRecruiteeServer(t, answerJSON(http.StatusOK, `{"candidate":{"id":"c-7"}}`))
	user := domain.NewID()
	files := fakeFiles{}
	letter := files.add(user, "cover_letter", "letter.pdf", "application/pdf", "letter bytes")
	resume := files.add(user, "resume", "Ada Lovelace CV.pdf", "application/pdf", "cv bytes")
	p := recruiteePacket(user)
	p.Documents = []domain.FormFile{*letter, *resume}

	res, err := (&applier.Recruitee{BaseURL: srv.Base(), Files: files}).Apply(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "c-7", res.Reference)
	require.Equal(t, [][]recvPart{{
		text("candidate[name]", "Ada Lovelace"),
		text("candidate[email]", "ada@example.com"),
		text("candidate[phone]", "+44 20 7946 0000"),
		text("candidate[cover_letter]", "Dear Acme,\nI would like to join."),
		{Name: "candidate[cv]", Filename: "Ada Lovelace CV.pdf", ContentType: "application/pdf", Data: "cv bytes"},
	}}, srv.Requests())

	// Without a phone, a letter or a résumé, only what the packet holds goes.
	bare := recruiteePacket(user)
	bare.Applicant = domain.Profile{FirstName: "Ada", LastName: "Lovelace"}
	bare.CoverLetter = ""
	res, err = (&applier.Recruitee{BaseURL: srv.Base(), Files: files}).Apply(context.Background(), bare)
	require.NoError(t, err)
	require.Equal(t, "c-7", res.Reference)
	require.Equal(t, []recvPart{text("candidate[name]", "Ada Lovelace"), text("candidate[email]", "ada@example.com")}, srv.Requests()[1])
}

func TestRecruitee_422IsNeedsUserWithRecruiteesMessages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"error list", `{"error":["Email is invalid","Answer to 'Expected salary' can't be blank"]}`,
			[]string{"Email is invalid", "Answer to 'Expected salary' can't be blank"}},
		{"error string", `{"error":"Offer is not accepting applications"}`, []string{"Offer is not accepting applications"}},
		{"errors by field", `{"errors":{"email":["is invalid"],"open_question_answers":[{"content":["can't be blank"]}]}}`,
			[]string{"email: is invalid", "open_question_answers.content: can't be blank"}},
		{"plain text", "CV is too large\n", []string{"CV is too large"}},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newRecruiteeServer(t, answerJSON(http.StatusUnprocessableEntity, c.body))
			_, err := (&applier.Recruitee{BaseURL: srv.Base(), Files: fakeFiles{}}).Apply(context.Background(), recruiteePacket(domain.NewID()))
			var nu *domain.NeedsUserError
			require.ErrorAs(t, err, &nu)
			require.ErrorIs(t, err, domain.ErrNeedsUser)
			require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false))
			require.Equal(t, "Recruitee refused the answers", nu.Why)
			require.Equal(t, c.want, nu.Messages)
			if c.body != "" {
				require.Equal(t, []domain.Evidence{{Kind: domain.EvidenceNeedsUser, ContentType: "application/json; charset=utf-8",
					Data: []byte(c.body)}}, domain.EvidenceOf(domain.ApplyResult{}, err))
			}
			require.Len(t, srv.Requests(), 1, "sent once")
		})
	}
}

func TestRecruitee_OutcomeClasses(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: connection refused before any byte is sent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String() + "/{board}"
	require.NoError(t, ln.Close())

	// A site that reads the request, says so, and never answers: the test
	// ends the call's context once it has the request (the deadline
	// passing after the request went out), so the machine's speed changes
	// nothing.
	var slowHits atomic.Int32
	received := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slowHits.Add(1)
		_, _ = io.ReadAll(r.Body)
		received <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(slow.Close)

	status := func(code int) string {
		return newRecruiteeServer(t, answerJSON(code, `{"error":["no"]}`)).Base()
	}
	cases := []struct {
		name string
		base string
		want domain.ApplyOutcome
	}{
		{"201 submitted", status(http.StatusCreated), domain.OutcomeSubmitted},
		{"404 offer gone", status(http.StatusNotFound), domain.OutcomeRejected},
		{"410 offer gone", status(http.StatusGone), domain.OutcomeRejected},
		{"400 rejected", status(http.StatusBadRequest), domain.OutcomeRejected},
		{"403 rejected", status(http.StatusForbidden), domain.OutcomeRejected},
		{"429 not sent", status(http.StatusTooManyRequests), domain.OutcomeNotSent},
		{"408 unknown", status(http.StatusRequestTimeout), domain.OutcomeUnknown},
		{"500 unknown", status(http.StatusInternalServerError), domain.OutcomeUnknown},
		{"503 unknown", status(http.StatusServiceUnavailable), domain.OutcomeUnknown},
		{"connection refused not sent", refused, domain.OutcomeNotSent},
		{"timeout after sending unknown", slow.URL + "/{board}", domain.OutcomeUnknown},
	}
	for _, c := range cases {
		ap := &applier.Recruitee{BaseURL: c.base, Files: fakeFiles{}, Timeout: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		if c.base == slow.URL+"/{board}" {
			go func() { <-received; cancel() }()
		}
		_, err := ap.Apply(ctx, recruiteePacket(domain.NewID()))
		cancel()
		require.Equal(t, c.want, domain.ClassifyApply(err, ap.IdempotentRetries()), "%s: %v", c.name, err)
		require.Equal(t, strings.HasPrefix(c.name, "429"), errors.Is(err, domain.ErrThrottled), "%s: only a 429 backs the platform off", c.name)
	}
	require.EqualValues(t, 1, slowHits.Load(), "the slow site did get the request")
}

// dropAfterReading stands for a careers site on a raw listener that
// answers the first request of each connection (keeping it alive) and, on
// the second, reads it whole and then closes the connection unanswered.
type dropAfterReading struct {
	ln   net.Listener
	hits atomic.Int32
	open atomic.Int32 // connections being served
}

func (d *dropAfterReading) serve(conn net.Conn) {
	defer d.open.Add(-1)
	defer conn.Close()
	r := bufio.NewReader(conn)
	for n := 1; ; n++ {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		d.hits.Add(1)
		if n == 2 {
			return // received, never answered
		}
		body := `{"candidate":{"id":1}}`
		_, _ = fmt.Fprintf(conn, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
}

func TestRecruitee_ConnectionClosedAfterTheRequestIsUnknownAndNeverReplayed(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	d := &dropAfterReading{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			d.open.Add(1)
			go d.serve(conn)
		}
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	ap := &applier.Recruitee{BaseURL: "http://" + ln.Addr().String() + "/{board}", Files: fakeFiles{}, Timeout: 5 * time.Second, Client: client}

	_, err = ap.Apply(context.Background(), recruiteePacket(domain.NewID()))
	require.NoError(t, err)
	// The second submission reuses the kept-alive connection, which dies
	// after the site read the request.
	_, err = ap.Apply(context.Background(), recruiteePacket(domain.NewID()))
	require.Error(t, err)
	require.Equal(t, domain.OutcomeUnknown, domain.ClassifyApply(err, ap.IdempotentRetries()), "%v", err)

	// A barrier, not a wait: with every connection of the client closed
	// and served to the end, every request that reached the site is
	// counted.
	client.CloseIdleConnections()
	require.Eventually(t, func() bool { return d.open.Load() == 0 }, 30*time.Second, time.Millisecond)
	require.EqualValues(t, 2, d.hits.Load(), "each submission reached the site exactly once")
}

func TestRecruitee_NeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			var elsewhere atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
			defer target.Close()
			srv := newRecruiteeServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/elsewhere", status)
			})
			_, err := (&applier.Recruitee{BaseURL: srv.Base(), Files: fakeFiles{}}).Apply(context.Background(), recruiteePacket(domain.NewID()))
			require.Error(t, err)
			require.Equal(t, domain.OutcomeUnknown, domain.ClassifyApply(err, false), "%v", err)
			require.Contains(t, err.Error(), "redirects are not followed")
			require.Len(t, srv.Requests(), 1)
			require.Zero(t, elsewhere.Load(), "the application never reaches the redirect target")
		})
	}
}

func TestRecruitee_NothingSentWhenADocumentCannotBeOpened(t *testing.T) {
	t.Parallel()
	srv := newRecruiteeServer(t, answerJSON(http.StatusCreated, `{}`))
	user := domain.NewID()
	files := fakeFiles{}
	resume := files.add(domain.NewID(), "resume", "cv.pdf", "application/pdf", "another user's") // not the packet's user's
	p := recruiteePacket(user)
	p.Documents = []domain.FormFile{*resume}

	_, err := (&applier.Recruitee{BaseURL: srv.Base(), Files: files}).Apply(context.Background(), p)
	require.ErrorIs(t, err, domain.ErrNotSent)
	require.Equal(t, domain.OutcomeNotSent, domain.ClassifyApply(err, false))
	require.Contains(t, err.Error(), "cv.pdf")
	require.Empty(t, srv.Requests(), "nothing was sent")
}

func TestRecruitee_NothingSentWhenTheFormCannotBeSentAsApproved(t *testing.T) {
	t.Parallel()
	srv := newRecruiteeServer(t, answerJSON(http.StatusCreated, `{}`))
	ap := &applier.Recruitee{BaseURL: srv.Base(), Files: fakeFiles{}}
	named := func(fields []domain.FormField) *domain.Packet {
		p := recruiteePacket(domain.NewID())
		p.Form = &domain.Form{Fields: fields}
		return p
	}
	name := std("name", "Name", domain.QuestionText, true)
	name.Value = "Ada Lovelace"
	email := std("email", "Email", domain.QuestionText, true)
	email.Value = "ada@example.com"
	boolean := open("105", "Do you need a visa?", domain.QuestionBoolean, true)
	boolean.Value = "maybe"
	video := open("111", "Record a video", domain.QuestionOther, false)
	video.Value = "something"
	unknown := domain.FormField{Field: "linkedin", Label: "LinkedIn", Kind: domain.QuestionText, Value: "https://linkedin.com/in/ada"}

	cases := []struct {
		name string
		p    *domain.Packet
		want []string
	}{
		{"required without a value", named([]domain.FormField{name, email, std("cv", "CV", domain.QuestionFile, true),
			open("108", "Expected salary", domain.QuestionNumber, true)}),
			[]string{"CV: required, and the form has no value for it", "Expected salary: required, and the form has no value for it"}},
		{"values Recruitee cannot take", named([]domain.FormField{name, email, boolean, video, unknown}),
			[]string{"Do you need a visa?: a yes-or-no question answered neither yes nor no",
				"Record a video: applyq cannot answer a question of this kind (other)",
				"LinkedIn: applyq does not know how to send this field to Recruitee"}},
		{"no form and no email", func() *domain.Packet { p := recruiteePacket(domain.NewID()); p.Email = ""; return p }(),
			[]string{"Email: required, and the application has none"}},
		{"no board", func() *domain.Packet { p := recruiteePacket(domain.NewID()); p.Board = ""; return p }(),
			[]string{"the recruitee board name is empty"}},
		{"no offer", func() *domain.Packet { p := recruiteePacket(domain.NewID()); p.PlatformPostingID = " "; return p }(), nil},
	}
	for _, c := range cases {
		_, err := ap.Apply(context.Background(), c.p)
		var nu *domain.NeedsUserError
		require.ErrorAs(t, err, &nu, c.name)
		require.Equal(t, c.want, nu.Messages, c.name)
		require.Equal(t, domain.OutcomeNeedsUser, domain.ClassifyApply(err, false), c.name)
	}
	require.Empty(t, srv.Requests(), "nothing was sent")
}

func TestRecruitee_DefaultBaseURLNamesTheBoardsHost(t *testing.T) {
	t.Parallel()
	// The request never leaves: the transport records where it would go.
	var got string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return nil, errors.New("offline")
	})}
	p := recruiteePacket(domain.NewID())
	p.PlatformPostingID = "développeur-go"
	_, err := (&applier.Recruitee{Client: client, Files: fakeFiles{}}).Apply(context.Background(), p)
	require.Error(t, err)
	require.Equal(t, "https://acme.recruitee.com/api/offers/d%C3%A9veloppeur-go/candidates", got)
	require.True(t, strings.HasPrefix(applier.DefaultRecruiteeBaseURL, "https://{board}."))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRecruitee_AnOfferIDThatIsAPathIsNeverSent: an offer slug from a
// board that would be a path of its own needs the user; nothing is sent.
func TestRecruitee_AnOfferIDThatIsAPathIsNeverSent(t *testing.T) {
	t.Parallel()
	srv := newRecruiteeServer(t, answerJSON(http.StatusCreated, `{}`))
	for _, slug := range []string{"..", "../../admin", "a/b", "a?b"} {
		p := recruiteePacket(domain.NewID())
		p.PlatformPostingID = slug
		_, err := (&applier.Recruitee{BaseURL: srv.Base(), Files: fakeFiles{}}).Apply(context.Background(), p)
		require.ErrorIs(t, err, domain.ErrNeedsUser, slug)
	}
	require.Empty(t, srv.Requests(), "nothing was sent")
}
