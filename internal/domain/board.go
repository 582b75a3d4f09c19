package domain

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A board is one employer's public job board on one platform, named the
// way the platform's public API names it: Greenhouse's board token,
// Lever's site, Ashby's job board name, SmartRecruiters' company
// identifier, Recruitee's and Personio's subdomain, Workable's account.

// maxBoardLen bounds a board name; platforms use short slugs.
const maxBoardLen = 100

// boardExamples is what to send instead of an address applyq does not know.
const boardExamples = "https://boards.greenhouse.io/acme, https://jobs.lever.co/acme, " +
	"https://jobs.ashbyhq.com/acme, https://jobs.smartrecruiters.com/Acme, https://acme.recruitee.com, " +
	"https://apply.workable.com/acme or https://acme.jobs.personio.de"

// hostBoard reports whether p names its boards by subdomain
// (acme.recruitee.com): such a board must be a DNS label.
func hostBoard(p Platform) bool { return p == PlatformRecruitee || p == PlatformPersonio }

// boardChars are the characters each platform's board names are made of,
// beyond ASCII letters and digits: Greenhouse's board tokens and
// Workable's accounts (a subdomain too: acme.workable.com) take hyphens
// (and Greenhouse underscores); Lever's sites, Ashby's job board names
// ("Acme.com") and SmartRecruiters' company identifiers take dots,
// hyphens and underscores. Nothing else — no look-alikes from other
// scripts or full-width forms, no bidi controls, no "@" — so a board name
// means the same to applyq, to the platform and to the person reading it.
var boardChars = map[Platform]string{
	PlatformGreenhouse:      "-_",
	PlatformLever:           ".-_",
	PlatformAshby:           ".-_",
	PlatformSmartRecruiters: ".-_",
	PlatformWorkable:        "-",
}

// CheckBoard says whether board can name a board of p: EINVALID otherwise,
// naming what is wrong. A subdomain board (Recruitee, Personio) is a
// lower-case DNS label (letters, digits, hyphens); any other board is one
// path segment of ASCII letters, digits and the platform's own characters
// (boardChars), not "." or "..". Both are at most 100 characters.
func CheckBoard(p Platform, board string) error {
	if !p.Valid() {
		return Errorf(EINVALID, "unknown platform %q", truncate(string(p), 40))
	}
	if board == "" {
		return Errorf(EINVALID, "the %s board name is empty", p)
	}
	if !utf8.ValidString(board) || utf8.RuneCountInString(board) > maxBoardLen {
		return Errorf(EINVALID, "%q is not a %s board name: at most %d characters of text", truncate(board, 100), p, maxBoardLen)
	}
	if hostBoard(p) {
		if !dnsLabel(board) {
			return Errorf(EINVALID, "%q is not a %s board name: it is the subdomain (acme in acme.%s), letters, digits and hyphens only",
				truncate(board, 100), p, hostSuffix(p))
		}
		return nil
	}
	extra := boardChars[p]
	if strings.Trim(board, ".") == "" || strings.IndexFunc(board, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r))
	}) >= 0 {
		return Errorf(EINVALID, "%q is not a %s board name: it is one word of the board's address, such as acme: ASCII letters, digits and %s only",
			truncate(board, 100), p, charNames(extra))
	}
	return nil
}

// charNames writes a set of punctuation for people: "dots, hyphens and
// underscores".
func charNames(chars string) string {
	var names []string
	for _, c := range chars {
		names = append(names, map[rune]string{'.': "dots", '-': "hyphens", '_': "underscores"}[c])
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// maxPostingID bounds a posting id from a board.
const maxPostingID = 200

// CheckPostingID says whether id, a posting's id as its board reports it,
// can be used in a request path (a posting's details, an application's
// endpoint): EINVALID when it is empty, longer than 200 characters, "." or
// holds "..", or holds "/", "\\", "?", "#", "%", white space, or control or
// format characters (bidi overrides, zero-width characters). Letters of any
// script pass (a Recruitee slug may be "développeur-go").
func CheckPostingID(id string) error {
	bad := func(why string) error {
		return Errorf(EINVALID, "the posting id %q %s", truncate(id, 100), why)
	}
	switch {
	case id == "":
		return bad("is empty")
	case !utf8.ValidString(id) || utf8.RuneCountInString(id) > maxPostingID:
		return bad(fmt.Sprintf("is not text of at most %d characters", maxPostingID))
	case id == "." || strings.Contains(id, ".."):
		return bad("is a relative path")
	case strings.ContainsAny(id, "/\\?#%"):
		return bad("holds a character of a URL's syntax (/, \\, ?, # or %)")
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return bad("holds white space, control or format characters")
	}
	return nil
}

func hostSuffix(p Platform) string {
	if p == PlatformPersonio {
		return "jobs.personio.de"
	}
	return "recruitee.com"
}

// dnsLabel reports whether s is a lower-case DNS label.
func dnsLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// BoardPostingKey is the canonical key (see CanonicalJobKey) of the posting
// externalID of board on platform p: exactly what CanonicalJobKey gives for
// the posting's own URL on the platform, so a synced posting and a pasted
// link of it are one job. externalID is the id the board client reports in
// BoardPosting.ExternalID: Greenhouse's job post id, Lever's and Ashby's
// posting UUID, SmartRecruiters' posting id, Recruitee's offer slug,
// Workable's shortcode (its URLs need no account, so the key has none) and
// Personio's position id. It returns "" for an unknown platform or an
// empty board or id.
func BoardPostingKey(p Platform, board, externalID string) string {
	board, externalID = strings.TrimSpace(board), strings.TrimSpace(externalID)
	if externalID == "" || (board == "" && p != PlatformWorkable) {
		return ""
	}
	// URL path segments reach CanonicalJobKey escaped; escape the same way.
	id := url.PathEscape(externalID)
	b := strings.ToLower(url.PathEscape(board))
	switch p {
	case PlatformGreenhouse, PlatformSmartRecruiters, PlatformPersonio:
		return string(p) + ":" + b + ":" + id
	case PlatformLever, PlatformAshby, PlatformRecruitee:
		return string(p) + ":" + b + ":" + strings.ToLower(id)
	case PlatformWorkable:
		return string(p) + ":" + strings.ToUpper(id)
	}
	return ""
}

// moreATSKey extends atsKey to SmartRecruiters, Recruitee, Workable and
// Personio posting URLs; "" when the URL is not a posting of one of them.
func moreATSKey(host string, segs []string) string {
	switch {
	case host == "jobs.smartrecruiters.com" || host == "careers.smartrecruiters.com" || host == "smartrecruiters.com":
		// /{company}/{id}-{title-slug}; the id is digits.
		if len(segs) >= 2 {
			id, _, _ := strings.Cut(segs[1], "-")
			if allDigits(id) {
				return string(PlatformSmartRecruiters) + ":" + strings.ToLower(segs[0]) + ":" + id
			}
		}
	case strings.HasSuffix(host, ".recruitee.com"):
		// {company}.recruitee.com/o/{slug}[/c/new]
		if sub := strings.TrimSuffix(host, ".recruitee.com"); dnsLabel(sub) && len(segs) >= 2 && segs[0] == "o" {
			return string(PlatformRecruitee) + ":" + sub + ":" + strings.ToLower(segs[1])
		}
	case host == "apply.workable.com" || strings.HasSuffix(host, ".workable.com"):
		// apply.workable.com/j/{code}, apply.workable.com/{account}/j/{code}[/apply],
		// {account}.workable.com/j/{code}
		for i := 0; i+1 < len(segs) && i <= 1; i++ {
			if segs[i] == "j" {
				return string(PlatformWorkable) + ":" + strings.ToUpper(segs[i+1])
			}
		}
	case strings.HasSuffix(host, ".jobs.personio.de") || strings.HasSuffix(host, ".jobs.personio.com"):
		// {company}.jobs.personio.de/job/{id}
		sub, _, _ := strings.Cut(host, ".")
		if dnsLabel(sub) && len(segs) >= 2 && segs[0] == "job" {
			return string(PlatformPersonio) + ":" + sub + ":" + segs[1]
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// reservedSubdomains are subdomains of the platforms that are not boards.
var reservedSubdomains = map[string]bool{
	"www": true, "app": true, "api": true, "docs": true, "career": true, "apply": true, "jobs": true,
	"support": true, "help": true, "developers": true,
}

// ParseBoardURL recognises the address of a job board as users paste it
// (a board page, or any posting on it; the scheme may be left out) and
// returns its platform and board name:
//
//	boards.greenhouse.io/acme, job-boards.greenhouse.io/acme (and .eu.),
//	  boards.greenhouse.io/embed/job_board?for=acme
//	jobs.lever.co/acme, jobs.eu.lever.co/acme
//	jobs.ashbyhq.com/acme
//	jobs.smartrecruiters.com/Acme, careers.smartrecruiters.com/Acme
//	acme.recruitee.com
//	apply.workable.com/acme, acme.workable.com
//	acme.jobs.personio.de, acme.jobs.personio.com
//
// The platforms' API addresses (boards-api.greenhouse.io/v1/boards/acme,
// api.lever.co/v0/postings/acme…) are recognised too. A path board keeps
// its case as written; a subdomain board is lower case. Anything else is
// EINVALID, naming what to send.
func ParseBoardURL(raw string) (Platform, string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", Errorf(EINVALID, "the board address is empty: send the board's URL, such as %s", boardExamples)
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return "", "", Errorf(EINVALID, "%q is not an http(s) URL: send the board's URL, such as %s", truncate(raw, 100), boardExamples)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	// Split the escaped path, then decode each segment: "a%2Fb" is one
	// (bad) segment, not two.
	segs := pathSegments(u.EscapedPath())
	for i, seg := range segs {
		if dec, err := url.PathUnescape(seg); err == nil {
			segs[i] = dec
		}
	}
	p, board := boardOf(host, segs, u.Query())
	if p == "" {
		return "", "", Errorf(EINVALID, "%q is not a job board address applyq can follow: send the board's URL, such as %s",
			truncate(raw, 100), boardExamples)
	}
	if err := CheckBoard(p, board); err != nil {
		return "", "", err
	}
	return p, board, nil
}

func boardOf(host string, segs []string, q url.Values) (Platform, string) {
	first := func(skip ...string) string {
		if len(segs) == 0 {
			return ""
		}
		for _, s := range skip {
			if strings.EqualFold(segs[0], s) {
				return ""
			}
		}
		return segs[0]
	}
	apiPath := func(prefix ...string) string {
		if len(segs) <= len(prefix) {
			return ""
		}
		for i, p := range prefix {
			if segs[i] != p {
				return ""
			}
		}
		return segs[len(prefix)]
	}
	switch host {
	case "boards.greenhouse.io", "job-boards.greenhouse.io", "boards.eu.greenhouse.io", "job-boards.eu.greenhouse.io":
		if len(segs) > 0 && segs[0] == "embed" {
			return PlatformGreenhouse, q.Get("for")
		}
		return PlatformGreenhouse, first()
	case "boards-api.greenhouse.io", "boards-api.eu.greenhouse.io":
		return PlatformGreenhouse, apiPath("v1", "boards")
	case "jobs.lever.co", "jobs.eu.lever.co":
		return PlatformLever, first()
	case "api.lever.co", "api.eu.lever.co":
		return PlatformLever, apiPath("v0", "postings")
	case "jobs.ashbyhq.com":
		return PlatformAshby, first("api")
	case "api.ashbyhq.com":
		return PlatformAshby, apiPath("posting-api", "job-board")
	case "jobs.smartrecruiters.com", "careers.smartrecruiters.com", "smartrecruiters.com":
		return PlatformSmartRecruiters, first("oneclick-ui", "api")
	case "api.smartrecruiters.com":
		return PlatformSmartRecruiters, apiPath("v1", "companies")
	case "apply.workable.com":
		if b := apiPath("api", "v1", "widget", "accounts"); b != "" {
			return PlatformWorkable, b
		}
		return PlatformWorkable, first("j", "api")
	}
	sub, rest, _ := strings.Cut(host, ".")
	if reservedSubdomains[sub] {
		return "", ""
	}
	switch rest {
	case "recruitee.com":
		return PlatformRecruitee, sub
	case "workable.com":
		return PlatformWorkable, sub
	case "jobs.personio.de", "jobs.personio.com":
		return PlatformPersonio, sub
	}
	return "", ""
}
