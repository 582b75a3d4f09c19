package replica

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/applyq/applyq/internal/domain"
)

var platforms = []domain.Platform{domain.PlatformGreenhouse, domain.PlatformLever, domain.PlatformAshby}

// forEachPlatform runs fn in a parallel subtest per platform, against a
// replica of testJob(p) with variant v that is closed when fn returns.
func forEachPlatform(t *testing.T, v Variant, fn func(t *testing.T, p domain.Platform, s *Server)) {
	t.Helper()
	for _, p := range platforms {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			s := New(p, testJob(p), v)
			defer s.Close()
			fn(t, p, s)
		})
	}
}

// testJob has a required question of each kind.
func testJob(p domain.Platform) Job {
	ids := []string{"1001", "1002", "1003", "1004", "1005", "1006"}
	if p != domain.PlatformGreenhouse {
		ids = []string{"6f1c2d3e-0001-4a5b-8c9d-000000000001", "6f1c2d3e-0002-4a5b-8c9d-000000000002",
			"6f1c2d3e-0003-4a5b-8c9d-000000000003", "6f1c2d3e-0004-4a5b-8c9d-000000000004",
			"6f1c2d3e-0005-4a5b-8c9d-000000000005", "6f1c2d3e-0006-4a5b-8c9d-000000000006"}
	}
	return Job{Board: "acme", ID: "4012345", Title: "Backend Engineer", Questions: []Question{
		{ID: ids[0], Label: "Notice period", Kind: KindText, Required: true},
		{ID: ids[1], Label: "Why do you want to work here?", Kind: KindTextarea, Required: true},
		{ID: ids[2], Label: "Years of Go", Kind: KindSingleSelect, Required: true, Options: []Option{{"0-2", "201"}, {"3-5", "202"}, {"6+", "203"}}},
		{ID: ids[3], Label: "Languages", Kind: KindMultiSelect, Required: true, Options: []Option{{Label: "Go"}, {Label: "Rust"}, {Label: "SQL"}}},
		{ID: ids[4], Label: "Are you authorised to work in the UK?", Kind: KindBoolean, Required: true},
		{ID: ids[5], Label: "Work sample", Kind: KindFile, Required: true},
	}}
}

// validForm is a complete valid application for s's form.
func validForm(s *Server) (map[string][]string, map[string][]File) {
	fields := map[string][]string{}
	files := map[string][]File{}
	resume := File{Filename: "resume.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 resume bytes")}
	switch s.Platform() {
	case domain.PlatformGreenhouse:
		fields["first_name"] = []string{"Ada"}
		fields["last_name"] = []string{"Lovelace"}
		fields["email"] = []string{"ada@example.com"}
		fields["phone"] = []string{"+44 20 7946 0000"}
		files["resume"] = []File{resume}
		files["cover_letter"] = []File{{Filename: "cover.txt", ContentType: "text/plain", Data: []byte("Dear Acme")}}
	case domain.PlatformLever:
		fields["name"] = []string{"Ada Lovelace"}
		fields["email"] = []string{"ada@example.com"}
		fields["org"] = []string{"Analytical Engines Ltd"}
		fields["urls[LinkedIn]"] = []string{"https://www.linkedin.com/in/ada"}
		fields["comments"] = []string{"Thanks!"}
		files["resume"] = []File{resume}
	case domain.PlatformAshby:
		fields["_systemfield_name"] = []string{"Ada Lovelace"}
		fields["_systemfield_email"] = []string{"ada@example.com"}
		fields["_systemfield_location"] = []string{"London"}
		files["_systemfield_resume"] = []File{resume}
	}
	for _, q := range s.Questions() {
		name := FieldName(s.Platform(), q)
		switch q.Kind {
		case KindText:
			fields[name] = []string{"One month"}
		case KindTextarea:
			fields[name] = []string{"Because it is\na good fit."}
		case KindSingleSelect:
			fields[name] = []string{optionValue(q.Options[1])}
		case KindMultiSelect:
			fields[name] = []string{optionValue(q.Options[0]), optionValue(q.Options[2])}
		case KindBoolean:
			fields[name] = []string{BooleanValue(s.Platform(), true)}
		case KindFile:
			files[name] = []File{{Filename: "sample.txt", ContentType: "text/plain", Data: []byte("sample")}}
		}
		if s.Platform() == domain.PlatformLever {
			fields["cards["+q.ID+"][baseTemplate]"] = []string{leverTemplate(&q)}
		}
	}
	if s.v.Captcha {
		fields[s.CaptchaField()] = []string{s.CaptchaToken()}
	}
	return fields, files
}

func optionValue(o Option) string {
	if o.Value == "" {
		return o.Label
	}
	return o.Value
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func post(t *testing.T, s *Server, fields map[string][]string, files map[string][]File) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(t, mw.WriteField(k, v))
		}
	}
	for k, fs := range files {
		for _, f := range fs {
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{`form-data; name="` + k + `"; filename="` + f.Filename + `"`}
			h["Content-Type"] = []string{f.ContentType}
			w, err := mw.CreatePart(h)
			require.NoError(t, err)
			_, err = w.Write(f.Data)
			require.NoError(t, err)
		}
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, s.SubmitURL(), &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// postValid posts validForm(s).
func postValid(t *testing.T, s *Server) (*http.Response, string) {
	t.Helper()
	fields, files := validForm(s)
	return post(t, s, fields, files)
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// node helpers over golang.org/x/net/html.

func parse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	return doc
}

func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func findAll(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byAttr(key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, ok := attrOf(n, key); return ok && v == val }
}

func hasClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, _ := attrOf(n, "class")
		return slices.Contains(strings.Fields(v), class)
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func isControl(n *html.Node) bool {
	return n.Data == "input" || n.Data == "select" || n.Data == "textarea"
}

// requireNoExternalURL fails when the page names anything outside the
// replica.
func requireNoExternalURL(t *testing.T, body string) {
	t.Helper()
	doc := parse(t, body)
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if a.Key == "src" || a.Key == "href" || a.Key == "action" {
				require.Truef(t, strings.HasPrefix(a.Val, "/") || strings.HasPrefix(a.Val, "#"), "%s=%q on <%s>", a.Key, a.Val, n.Data)
			}
		}
	}
	require.NotRegexp(t, regexp.MustCompile(`(?i)url\(|@import|//[a-z0-9.-]+\.(com|io|co|net|org)`), body)
}

func TestFormPageFields(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{}, func(t *testing.T, p domain.Platform, s *Server) {
		status, body := get(t, s.FormURL())
		require.Equal(t, http.StatusOK, status)
		requireNoExternalURL(t, body)
		doc := parse(t, body)

		want := map[domain.Platform][]string{
			domain.PlatformGreenhouse: {"first_name", "last_name", "email", "phone", "resume", "cover_letter",
				"question_1001", "question_1002", "question_1003", "question_1004[]", "question_1005", "question_1006"},
			domain.PlatformLever: {"resume", "name", "email", "phone", "location", "org", "urls[LinkedIn]", "urls[GitHub]",
				"urls[Portfolio]", "urls[Other]"},
			domain.PlatformAshby: {"_systemfield_name", "_systemfield_email", "_systemfield_phone", "_systemfield_location", "_systemfield_resume"},
		}[p]
		for _, q := range s.Questions() {
			if p != domain.PlatformGreenhouse {
				want = append(want, FieldName(p, q))
			}
		}
		if p == domain.PlatformLever {
			want = append(want, "comments")
		}
		require.Equal(t, want, s.FieldNames())

		for _, f := range s.fields {
			controls := findAll(doc, func(n *html.Node) bool { v, _ := attrOf(n, "name"); return isControl(n) && v == f.Name })
			require.NotEmptyf(t, controls, "no control named %s", f.Name)
			for _, c := range controls {
				id, ok := attrOf(c, "id")
				require.Truef(t, ok && id != "", "control %s has no id", f.Name)
				labels := findAll(doc, func(n *html.Node) bool { v, _ := attrOf(n, "for"); return n.Data == "label" && v == id })
				require.Lenf(t, labels, 1, "control %s (#%s) has no label", f.Name, id)
			}
			if f.Group {
				fs := findAll(doc, byAttr("id", f.ID))
				require.Len(t, fs, 1)
				require.Equal(t, "fieldset", fs[0].Data)
				legend := findAll(fs[0], func(n *html.Node) bool { return n.Data == "legend" })
				require.Len(t, legend, 1)
				require.Contains(t, text(legend[0]), f.Label)
				if f.Required {
					v, _ := attrOf(fs[0], "aria-required")
					require.Equal(t, "true", v)
				}
				continue
			}
			require.Len(t, controls, 1)
			label := findAll(doc, func(n *html.Node) bool { v, _ := attrOf(n, "for"); return n.Data == "label" && v == f.ID })
			require.Contains(t, text(label[0]), f.Label)
			_, req := attrOf(controls[0], "required")
			aria, _ := attrOf(controls[0], "aria-required")
			require.Equalf(t, f.Required, req, "required on %s", f.Name)
			require.Equalf(t, f.Required, aria == "true", "aria-required on %s", f.Name)
			if f.Kind == KindFile {
				typ, _ := attrOf(controls[0], "type")
				require.Equal(t, "file", typ)
			}
		}

		switch p {
		case domain.PlatformGreenhouse:
			form := findAll(doc, byAttr("id", "application-form"))
			require.Len(t, form, 1)
			for k, v := range map[string]string{"class": "application--form", "method": "post", "enctype": "multipart/form-data", "action": "/acme/jobs/4012345"} {
				got, _ := attrOf(form[0], k)
				require.Equal(t, v, got, k)
			}
			_, nv := attrOf(form[0], "novalidate")
			require.True(t, nv)
			for _, id := range []string{"first_name", "last_name", "email", "phone", "resume", "cover_letter"} {
				n := findAll(doc, byAttr("id", id))
				require.Len(t, n, 1)
				name, _ := attrOf(n[0], "name")
				require.Equal(t, id, name)
			}
			boolean := findAll(doc, byAttr("name", "question_1005"))
			require.Equal(t, "select", boolean[0].Data)
			opts := findAll(boolean[0], func(n *html.Node) bool { return n.Data == "option" })
			require.Len(t, opts, 3)
			for i, w := range [][2]string{{"", "Select..."}, {"1", "Yes"}, {"0", "No"}} {
				v, _ := attrOf(opts[i], "value")
				require.Equal(t, w[0], v)
				require.Equal(t, w[1], text(opts[i]))
			}
			boxes := findAll(doc, byAttr("name", "question_1004[]"))
			require.Len(t, boxes, 3)
			v, _ := attrOf(boxes[0], "value")
			require.Equal(t, "Go", v)
			btn := findAll(form[0], byAttr("type", "submit"))
			require.Len(t, btn, 1)
			require.Equal(t, "Submit application", text(btn[0]))
		case domain.PlatformLever:
			form := findAll(doc, byAttr("id", "application-form"))
			require.Len(t, form, 1)
			for k, v := range map[string]string{"method": "POST", "enctype": "multipart/form-data", "action": "/acme/4012345/apply"} {
				got, _ := attrOf(form[0], k)
				require.Equal(t, v, got, k)
			}
			resume := findAll(doc, byAttr("id", "resume-upload-input"))
			name, _ := attrOf(resume[0], "name")
			require.Equal(t, "resume", name)
			for _, q := range s.Questions() {
				hidden := findAll(doc, byAttr("name", "cards["+q.ID+"][baseTemplate]"))
				require.Len(t, hidden, 1)
				typ, _ := attrOf(hidden[0], "type")
				require.Equal(t, "hidden", typ)
				val, _ := attrOf(hidden[0], "value")
				var tpl struct {
					Fields []struct{ Text string } `json:"fields"`
				}
				require.NoError(t, json.Unmarshal([]byte(val), &tpl))
				require.Equal(t, q.Label, tpl.Fields[0].Text)
			}
			radios := findAll(doc, byAttr("name", FieldName(p, s.Questions()[4])))
			require.Len(t, radios, 2)
			btn := findAll(doc, byAttr("id", "btn-submit"))
			require.Len(t, btn, 1)
			typ, _ := attrOf(btn[0], "type")
			require.Equal(t, "submit", typ)
			require.True(t, hasClass("template-btn-submit")(btn[0]))
			require.Equal(t, "Submit application", text(btn[0]))
		case domain.PlatformAshby:
			require.Empty(t, findAll(doc, func(n *html.Node) bool { return n.Data == "form" }), "Ashby's page has no <form>")
			tpl := findAll(doc, byAttr("id", "ashby-application-form-template"))
			require.Len(t, tpl, 1)
			require.Equal(t, "template", tpl[0].Data)
			require.Len(t, findAll(doc, byAttr("id", "form")), 1)
			for _, id := range []string{"_systemfield_name", "_systemfield_email", "_systemfield_phone", "_systemfield_location", "_systemfield_resume"} {
				n := findAll(tpl[0], byAttr("id", id))
				require.Len(t, n, 1, id)
				name, _ := attrOf(n[0], "name")
				require.Equal(t, id, name)
			}
			require.NotEmpty(t, findAll(tpl[0], hasClass("ashby-application-form-field-entry")))
			btn := findAll(tpl[0], hasClass("ashby-application-form-submit-button"))
			require.Len(t, btn, 1)
			typ, _ := attrOf(btn[0], "type")
			require.Equal(t, "submit", typ)
			require.Equal(t, "Submit Application", text(btn[0]))
			require.Contains(t, body, AshbySubmitPath)
		}
		// Nothing of the variants in the plain form.
		require.Empty(t, findAll(doc, func(n *html.Node) bool {
			return n.Data == "iframe" || hasClass("g-recaptcha")(n) || hasClass("h-captcha")(n)
		}))
		require.Empty(t, findAll(doc, func(n *html.Node) bool { _, ok := attrOf(n, "data-next"); return ok }))
		require.NotContains(t, text(doc), UnrecognisedQuestionLabel)
	})
}

// requireRecorded checks that sub holds exactly fields and files.
func requireRecorded(t *testing.T, sub Submission, fields map[string][]string, files map[string][]File) {
	t.Helper()
	require.Equal(t, fields, sub.Fields)
	require.Len(t, sub.Files, len(files))
	for k, fs := range files {
		require.Len(t, sub.Files[k], len(fs), k)
		for i, f := range fs {
			require.Equal(t, f.Filename, sub.Files[k][i].Filename)
			require.Equal(t, f.ContentType, sub.Files[k][i].ContentType)
			require.Equal(t, f.Data, sub.Files[k][i].Data)
		}
	}
	require.False(t, sub.At.IsZero())
}

func TestValidSubmissionIsAccepted(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{}, func(t *testing.T, p domain.Platform, s *Server) {
		fields, files := validForm(s)
		resp, body := post(t, s, fields, files)
		if p == domain.PlatformAshby {
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.JSONEq(t, `{"data":{"submitSingleApplicationForm":{"success":true}}}`, body)
		} else {
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Equal(t, strings.TrimPrefix(s.ConfirmationURL(), s.URL()), resp.Header.Get("Location"))
			status, page := get(t, s.ConfirmationURL())
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, page, "Thank you for applying")
			if p == domain.PlatformLever {
				require.Contains(t, page, "Application submitted!")
				require.True(t, strings.HasSuffix(s.ConfirmationURL(), "/acme/4012345/thanks"))
			} else {
				require.True(t, strings.HasSuffix(s.ConfirmationURL(), "/acme/jobs/4012345/confirmation"))
			}
		}
		subs := s.Submissions()
		require.Len(t, subs, 1)
		require.True(t, subs[0].Accepted)
		requireRecorded(t, subs[0], fields, files)
		require.Len(t, s.Accepted(), 1)
	})
}

func TestURLEncodedPostIsRecorded(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "1"}, Variant{})
	defer s.Close()
	resp, err := noRedirect.PostForm(s.SubmitURL(), url.Values{"first_name": {"Ada"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "no résumé, no email")
	subs := s.Submissions()
	require.Len(t, subs, 1)
	require.Equal(t, map[string][]string{"first_name": {"Ada"}}, subs[0].Fields)
	require.False(t, subs[0].Accepted)
}

func TestServerSideValidation(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{}, func(t *testing.T, p domain.Platform, s *Server) {
		fields, files := validForm(s)
		emailName := map[domain.Platform]string{domain.PlatformGreenhouse: "email", domain.PlatformLever: "email", domain.PlatformAshby: "_systemfield_email"}[p]
		fields[emailName] = []string{"not-an-email"}
		textQ := FieldName(p, s.Questions()[0])
		delete(fields, textQ)
		selQ := FieldName(p, s.Questions()[2])
		fields[selQ] = []string{"no such option"}
		resp, body := post(t, s, fields, files)
		if p == domain.PlatformAshby {
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var out struct {
				Data   any         `json:"data"`
				Errors []jsonError `json:"errors"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &out))
			require.Nil(t, out.Data)
			require.ElementsMatch(t, []jsonError{
				{Message: EmailMessage, Field: emailName, Label: "Email"},
				{Message: RequiredMessage, Field: textQ, Label: "Notice period"},
				{Message: OptionMessage, Field: selQ, Label: "Years of Go"},
			}, out.Errors)
		} else {
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			doc := parse(t, body)
			alerts := findAll(doc, byAttr("role", "alert"))
			require.Len(t, alerts, 4, "a summary and three field errors")
			require.Contains(t, text(alerts[0]), "Notice period: "+RequiredMessage)
			for _, name := range []string{emailName, textQ, selQ} {
				c := findAll(doc, byAttr("name", name))
				require.Len(t, c, 1)
				inv, _ := attrOf(c[0], "aria-invalid")
				require.Equal(t, "true", inv, name)
			}
			// The form comes back prefilled.
			email := findAll(doc, byAttr("name", emailName))
			v, _ := attrOf(email[0], "value")
			require.Equal(t, "not-an-email", v)
			textarea := findAll(doc, byAttr("name", FieldName(p, s.Questions()[1])))
			require.Equal(t, "Because it is\na good fit.", text(textarea[0]))
			checked := findAll(doc, func(n *html.Node) bool {
				name, _ := attrOf(n, "name")
				_, c := attrOf(n, "checked")
				return name == FieldName(p, s.Questions()[3]) && c
			})
			require.Len(t, checked, 2)
		}
		subs := s.Submissions()
		require.Len(t, subs, 1)
		require.False(t, subs[0].Accepted)
		require.Empty(t, s.Accepted())

		// A required file missing is refused too.
		fields, files = validForm(s)
		delete(files, FieldName(p, s.Questions()[5]))
		resp, _ = post(t, s, fields, files)
		if p != domain.PlatformAshby {
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		}
		require.Empty(t, s.Accepted())
	})
}

func TestCaptchaVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{Captcha: true}, func(t *testing.T, p domain.Platform, s *Server) {
		_, body := get(t, s.FormURL())
		requireNoExternalURL(t, body)
		doc := parse(t, body)
		frame := "/recaptcha/api2/anchor?k=" + RecaptchaSiteKey
		if p == domain.PlatformLever {
			w := findAll(doc, byAttr("id", "h-captcha"))
			require.Len(t, w, 1)
			require.True(t, hasClass("h-captcha")(w[0]))
			key, _ := attrOf(w[0], "data-sitekey")
			require.Equal(t, HcaptchaSiteKey, key)
			frame = "/hcaptcha/checkbox.html"
		} else {
			w := findAll(doc, hasClass("g-recaptcha"))
			require.Len(t, w, 1)
			key, _ := attrOf(w[0], "data-sitekey")
			require.Equal(t, RecaptchaSiteKey, key)
			f := findAll(w[0], byAttr("title", "reCAPTCHA"))
			require.Len(t, f, 1)
		}
		iframes := findAll(doc, func(n *html.Node) bool { return n.Data == "iframe" })
		require.Len(t, iframes, 1)
		src, _ := attrOf(iframes[0], "src")
		require.Equal(t, frame, src)
		require.Len(t, findAll(doc, byAttr("name", s.CaptchaField())), 1)
		status, widget := get(t, s.URL()+frame)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, widget, s.CaptchaToken())
		requireNoExternalURL(t, widget)

		fields, files := validForm(s)
		delete(fields, s.CaptchaField())
		resp, body := post(t, s, fields, files)
		if p == domain.PlatformAshby {
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, body, CaptchaMessage)
			require.NotContains(t, body, "success")
		} else {
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Contains(t, body, `role="alert"`)
			require.Contains(t, body, CaptchaMessage)
		}
		fields[s.CaptchaField()] = []string{"forged"}
		post(t, s, fields, files)
		require.Len(t, s.Submissions(), 2)
		require.Empty(t, s.Accepted())

		fields[s.CaptchaField()] = []string{s.CaptchaToken()}
		resp, _ = post(t, s, fields, files)
		require.Contains(t, []int{http.StatusOK, http.StatusSeeOther}, resp.StatusCode)
		require.Len(t, s.Accepted(), 1)
	})
}

func TestTooManyVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{TooMany: true}, func(t *testing.T, p domain.Platform, s *Server) {
		resp, body := postValid(t, s)
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		require.Contains(t, body, TooManyText)
		subs := s.Submissions()
		require.Len(t, subs, 1)
		require.False(t, subs[0].Accepted)
		require.Equal(t, http.StatusTooManyRequests, subs[0].Status)
	})
}

func TestErrorAfterClickVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{ErrorAfterClick: true}, func(t *testing.T, p domain.Platform, s *Server) {
		fields, files := validForm(s)
		resp, body := post(t, s, fields, files)
		require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		if p == domain.PlatformAshby {
			require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			require.NotContains(t, body, `"field"`)
		} else {
			require.Contains(t, body, ErrorText)
			require.NotContains(t, body, "application-form")
		}
		acc := s.Accepted()
		require.Len(t, acc, 1, "it got through")
		requireRecorded(t, acc[0], fields, files)
	})
}

func TestServerErrorsVariant(t *testing.T) {
	t.Parallel()
	msgs := []string{"Your email address is already in use for this job.", "Please try again."}
	forEachPlatform(t, Variant{ServerErrors: msgs}, func(t *testing.T, p domain.Platform, s *Server) {
		resp, body := postValid(t, s)
		if p == domain.PlatformAshby {
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.JSONEq(t, `{"data":null,"errors":[{"message":"Your email address is already in use for this job."},{"message":"Please try again."}]}`, body)
		} else {
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			doc := parse(t, body)
			alerts := findAll(doc, byAttr("role", "alert"))
			require.Len(t, alerts, 1)
			for _, m := range msgs {
				require.Contains(t, text(alerts[0]), m)
			}
			require.Len(t, findAll(doc, byAttr("id", "application-form")), 1, "the form again")
		}
		subs := s.Submissions()
		require.Len(t, subs, 1)
		require.False(t, subs[0].Accepted)
	})
}

func TestConfirmationDelayVariant(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	forEachPlatform(t, Variant{ConfirmationDelay: delay}, func(t *testing.T, p domain.Platform, s *Server) {
		fields, files := validForm(s)
		start := time.Now()
		resp, _ := post(t, s, fields, files)
		require.GreaterOrEqual(t, time.Since(start), delay)
		require.Contains(t, []int{http.StatusOK, http.StatusSeeOther}, resp.StatusCode)
		require.Len(t, s.Accepted(), 1)
	})
	// Close answers a held request at once.
	s := New(domain.PlatformLever, testJob(domain.PlatformLever), Variant{ConfirmationDelay: time.Hour})
	fields, files := validForm(s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, vs := range fields {
			for _, v := range vs {
				_ = mw.WriteField(k, v)
			}
		}
		for k, fs := range files {
			w, _ := mw.CreateFormFile(k, fs[0].Filename)
			_, _ = w.Write(fs[0].Data)
		}
		_ = mw.Close()
		resp, err := noRedirect.Post(s.SubmitURL(), mw.FormDataContentType(), &buf)
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return len(s.Accepted()) == 1 }, 5*time.Second, 10*time.Millisecond)
	closed := time.Now()
	s.Close()
	<-done
	require.Less(t, time.Since(closed), 5*time.Second)
}

func TestLoginWallVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{LoginWall: true}, func(t *testing.T, p domain.Platform, s *Server) {
		status, body := get(t, s.FormURL())
		require.Equal(t, http.StatusOK, status)
		requireNoExternalURL(t, body)
		doc := parse(t, body)
		h1 := findAll(doc, func(n *html.Node) bool { return n.Data == "h1" })
		require.Equal(t, LoginWallHeading, text(h1[0]))
		require.Len(t, findAll(doc, byAttr("type", "password")), 1)
		require.Len(t, findAll(doc, byAttr("type", "email")), 1)
		sso := findAll(doc, hasClass("sso-button"))
		require.Len(t, sso, 1)
		require.Equal(t, "Continue with Google", text(sso[0]))
		require.Empty(t, findAll(doc, byAttr("id", "application-form")))
		require.Empty(t, findAll(doc, byAttr("type", "file")))
		require.Empty(t, findAll(doc, func(n *html.Node) bool {
			c, _ := attrOf(n, "class")
			id, _ := attrOf(n, "id")
			return strings.Contains(c, "ashby-application-form") || strings.Contains(id, "ashby-application-form")
		}))
		if p == domain.PlatformGreenhouse {
			require.Contains(t, body, "MyGreenhouse")
		}
		resp, err := noRedirect.PostForm(s.URL()+"/users/sign_in", url.Values{"email": {"a@b.c"}, "password": {"x"}})
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

		resp, _ = postValid(t, s)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Len(t, s.Submissions(), 1)
		require.Empty(t, s.Accepted())
	})
}

func TestUnrecognisedRequiredVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{UnrecognisedRequired: true}, func(t *testing.T, p domain.Platform, s *Server) {
		extra := UnrecognisedQuestion(p)
		require.Equal(t, append(testJob(p).Questions, extra), s.Questions())
		_, body := get(t, s.FormURL())
		doc := parse(t, body)
		c := findAll(doc, byAttr("name", FieldName(p, extra)))
		require.Len(t, c, 1)
		_, req := attrOf(c[0], "required")
		require.True(t, req)
		id, _ := attrOf(c[0], "id")
		label := findAll(doc, byAttr("for", id))
		require.Contains(t, text(label[0]), UnrecognisedQuestionLabel)

		fields, files := validForm(s)
		delete(fields, FieldName(p, extra))
		delete(fields, "cards["+extra.ID+"][baseTemplate]")
		post(t, s, fields, files)
		require.Empty(t, s.Accepted(), "the unanswered question is required")
		fields[FieldName(p, extra)] = []string{"Blue"}
		post(t, s, fields, files)
		require.Len(t, s.Accepted(), 1)
	})
}

func TestMultiStepVariant(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{MultiStep: true}, func(t *testing.T, p domain.Platform, s *Server) {
		_, body := get(t, s.FormURL())
		doc := parse(t, body)
		steps := findAll(doc, func(n *html.Node) bool { _, ok := attrOf(n, "data-step"); return ok })
		require.Len(t, steps, 3)
		for i, st := range steps {
			_, hidden := attrOf(st, "hidden")
			require.Equal(t, i > 0, hidden, "step %d", i+1)
			next := findAll(st, func(n *html.Node) bool { _, ok := attrOf(n, "data-next"); return ok })
			submits := findAll(st, byAttr("type", "submit"))
			if i < 2 {
				require.Len(t, next, 1)
				require.Equal(t, "Next", text(next[0]))
				typ, _ := attrOf(next[0], "type")
				require.Equal(t, "button", typ)
				require.Empty(t, submits)
			} else {
				require.Empty(t, next)
				require.Len(t, submits, 1)
			}
		}
		require.Len(t, findAll(doc, byAttr("type", "submit")), 1, "the submit button only on the last step")
		// Every field is in a step.
		for _, name := range s.FieldNames() {
			in := 0
			for _, st := range steps {
				in += len(findAll(st, byAttr("name", name)))
			}
			require.Positive(t, in, name)
		}
		postValid(t, s)
		require.Len(t, s.Accepted(), 1)
	})
	// Without custom questions Greenhouse and Ashby have two steps.
	s := New(domain.PlatformGreenhouse, Job{Board: "acme", ID: "1"}, Variant{MultiStep: true})
	defer s.Close()
	_, body := get(t, s.FormURL())
	require.Equal(t, 2, strings.Count(body, "data-step="))
}

func TestOtherPathsAre404(t *testing.T) {
	t.Parallel()
	forEachPlatform(t, Variant{}, func(t *testing.T, p domain.Platform, s *Server) {
		for _, path := range []string{"/", "/acme", "/acme/jobs", "/acme/jobs/999", "/other/jobs/4012345", "/acme/4012345",
			"/acme/999/apply", "/acme/4012345/thanks/x", "/acme/4012345/application/x", "/recaptcha/api2/anchor",
			"/hcaptcha/checkbox.html", "/api/non-user-graphql?op=ApiJobPosting", "/users/sign_in"} {
			if p == domain.PlatformLever && path == "/acme/4012345/thanks/x" {
				continue
			}
			status, _ := get(t, s.URL()+path)
			require.Equalf(t, http.StatusNotFound, status, "GET %s", path)
		}
		if p == domain.PlatformAshby {
			status, _ := get(t, s.URL()+"/acme/jobs/4012345/confirmation")
			require.Equal(t, http.StatusNotFound, status)
		}
		require.Empty(t, s.Submissions())
	})
}

func TestTooLargeBodyIsRefused(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformGreenhouse, testJob(domain.PlatformGreenhouse), Variant{})
	defer s.Close()
	fields, files := validForm(s)
	files["resume"] = []File{{Filename: "huge.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("x"), MaxBodyBytes+1)}}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		_ = mw.WriteField(k, vs[0])
	}
	w, _ := mw.CreateFormFile("resume", "huge.pdf")
	_, _ = w.Write(files["resume"][0].Data)
	_ = mw.Close()
	resp, err := noRedirect.Post(s.SubmitURL(), mw.FormDataContentType(), &buf)
	if err == nil { // the server may close the connection before reading it all
		_ = resp.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	}
	subs := s.Submissions()
	require.Len(t, subs, 1)
	require.False(t, subs[0].Accepted)
}

func TestConcurrentSubmissions(t *testing.T) {
	t.Parallel()
	s := New(domain.PlatformAshby, testJob(domain.PlatformAshby), Variant{})
	defer s.Close()
	fields, files := validForm(s)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			post(t, s, fields, files)
			_ = s.Submissions()
		})
	}
	wg.Wait()
	require.Len(t, s.Accepted(), 8)
}

func TestNewRefusesWhatItCannotShow(t *testing.T) {
	t.Parallel()
	job := Job{Board: "acme", ID: "1"}
	require.Panics(t, func() { New(domain.PlatformWorkable, job, Variant{}) })
	require.Panics(t, func() { New(domain.PlatformLever, Job{Board: "acme"}, Variant{}) })
	require.Panics(t, func() {
		New(domain.PlatformLever, Job{Board: "acme", ID: "1", Questions: []Question{{ID: "a", Label: "A", Kind: KindSingleSelect}}}, Variant{})
	})
	require.Panics(t, func() {
		New(domain.PlatformLever, Job{Board: "acme", ID: "1", Questions: []Question{{ID: "a", Label: "A", Kind: domain.QuestionDate}}}, Variant{})
	})
}
