package sources_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

const ghBase = "/v1/boards/vaulttec/jobs"

func ghRoutes(over map[string]reply) map[string]reply {
	r := map[string]reply{
		ghBase:             {file: "greenhouse/jobs.json", header: map[string]string{"ETag": `"gh-1"`}},
		ghBase + "/127817": {file: "greenhouse/job-127817.json"},
		ghBase + "/127818": {file: "greenhouse/job-127818.json"},
	}
	for k, v := range over {
		r[k] = v
	}
	return r
}

func TestGreenhouse_Fixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		routes map[string]reply
		prev   domain.BoardValidators
		check  func(t *testing.T, snap *domain.BoardSnapshot, err error)
	}{
		{"a board with questions", ghRoutes(nil), domain.BoardValidators{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"127817", "127818"}, ids(snap))
			require.Equal(t, 3, snap.Skipped, "a repeated id, a blank title, no id")
			require.Equal(t, `"gh-1"`, snap.Validators.ETag)
			require.False(t, snap.NotModified)

			p := posting(t, snap, "127817")
			require.Equal(t, "Vault Designer", p.Title)
			require.Equal(t, "Vault-Tec", p.Company, "the job's company_name, not the board token vaulttec")
			require.Equal(t, "NYC", p.Location)
			require.Equal(t, "Department of Departments", p.Department)
			require.False(t, p.Remote)
			require.Equal(t, "Design vaults that last. Really.\n\n- Concrete\n- Steel & lead\n\nApply today!", p.Description,
				"escaped HTML unescaped, tags stripped, script dropped, list items on lines")
			require.Equal(t, "https://boards.greenhouse.io/vaulttec/jobs/127817", p.URL)
			require.Empty(t, p.ApplyURL)
			require.Equal(t, "USD 50,000 – 75,000 (NYC Salary Range)", p.Compensation)
			require.Equal(t, mustTime(t, "2016-01-20T15:55:28Z"), p.UpdatedAt, "the later of the list's and the post's")
			require.Equal(t, domain.BoardPostingKey(domain.PlatformGreenhouse, "vaulttec", p.ExternalID), mustKey(t, p.URL))

			q := func(field, label string, kind domain.QuestionKind, required bool, section domain.QuestionSection, opts ...domain.QuestionOption) domain.Question {
				if len(opts) == 0 {
					opts = nil
				}
				return domain.Question{Field: field, Label: label, Kind: kind, Required: required, Section: section, Options: opts}
			}
			o := func(label, value string) domain.QuestionOption {
				return domain.QuestionOption{Label: label, Value: value}
			}
			require.Equal(t, []domain.Question{
				q("first_name", "First Name", domain.QuestionText, true, domain.SectionStandard),
				q("last_name", "Last Name", domain.QuestionText, true, domain.SectionStandard),
				q("email", "Email", domain.QuestionText, true, domain.SectionStandard),
				q("phone", "Phone", domain.QuestionText, false, domain.SectionStandard),
				q("resume", "Resume", domain.QuestionFile, true, domain.SectionStandard),
				q("cover_letter", "Cover Letter", domain.QuestionFile, false, domain.SectionStandard),
				q("question_2222", "Do you like apples?", domain.QuestionSingleSelect, false, domain.SectionCustom, o("No", "0"), o("Yes", "1")),
				q("question_3333[]", "Which vaults have you built?", domain.QuestionMultiSelect, true, domain.SectionCustom,
					o("Vault 101", "5869319"), o("Vault 111", "5869317")),
				q("question_4444", "Why vaults?", domain.QuestionTextarea, false, domain.SectionCustom),
				q("question_5555", "Record a hologram", domain.QuestionOther, false, domain.SectionCustom),
				q("location", "Location", domain.QuestionText, true, domain.SectionLocation),
				q("latitude", "Latitude", domain.QuestionHidden, true, domain.SectionLocation),
				q("longitude", "Longitude", domain.QuestionHidden, true, domain.SectionLocation),
				q("gender", "Gender", domain.QuestionSingleSelect, false, domain.SectionCompliance,
					o("Male", "1"), o("Female", "2"), o("Decline To Self Identify", "3")),
				q("veteran_status", "VeteranStatus", domain.QuestionSingleSelect, false, domain.SectionCompliance,
					o("I am not a protected veteran", "1"), o("I don't wish to answer", "3")),
				q("data_compliance[gdpr_processing_consent_given]", "Consent to the processing of my data (GDPR)", domain.QuestionBoolean, true, domain.SectionCompliance),
				q("demographic_question_1", "Favorite Color", domain.QuestionMultiSelect, false, domain.SectionDemographic,
					o("Red", "100"), o("Green", "101"), o("Prefer to Type My Own", "102")),
			}, p.Questions)

			p = posting(t, snap, "127818")
			require.Equal(t, "Senior Overseer & Lead", p.Title, "HTML in a title")
			require.Equal(t, "Vault-Tec", p.Company, "company_name from the job's own document when the list lacks it")
			require.True(t, p.Remote, "Remote in the location")
			require.Equal(t, "http://your.co/careers?gh_jid=127818", p.URL)
			require.Empty(t, p.Compensation)
			require.Len(t, p.Questions, 2)
		}},
		{"a post closed between the list and its read", ghRoutes(map[string]reply{ghBase + "/127818": {status: 404}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				require.NoError(t, err)
				require.Equal(t, []string{"127817"}, ids(snap))
				require.Equal(t, 3, snap.Skipped, "a closed post is not a skipped one")
			}},
		{"every post gone", ghRoutes(map[string]reply{ghBase + "/127817": {status: 404}, ghBase + "/127818": {status: 404}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				requireUnavailable(t, err, 0)
				require.Contains(t, err.Error(), "none of them could be read")
			}},
		{"a post answering 500", ghRoutes(map[string]reply{ghBase + "/127818": {status: 500}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				requireUnavailable(t, err, 500)
				require.Contains(t, err.Error(), "job 127818")
			}},
		{"a post that is not JSON", ghRoutes(map[string]reply{ghBase + "/127817": {body: "<html>oops</html>"}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				requireInvalid(t, err, "greenhouse", "job 127817", "JSON")
			}},
		{"a list shorter than meta.total", ghRoutes(map[string]reply{ghBase: {file: "greenhouse/jobs-short.json"}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				requireUnavailable(t, err, 0)
				require.Contains(t, err.Error(), "1 jobs of the 3")
			}},
		{"a malformed list", ghRoutes(map[string]reply{ghBase: {file: "greenhouse/malformed.json"}}), domain.BoardValidators{},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				requireInvalid(t, err, "greenhouse", "the jobs list", "not the JSON expected")
			}},
		{"an unknown board", map[string]reply{}, domain.BoardValidators{}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.ErrorIs(t, err, domain.ErrBoardNotFound)
		}},
		{"not modified", ghRoutes(map[string]reply{ghBase: {status: 304}}), domain.BoardValidators{ETag: `"gh-1"`},
			func(t *testing.T, snap *domain.BoardSnapshot, err error) {
				require.NoError(t, err)
				require.True(t, snap.NotModified)
				require.Empty(t, snap.Postings)
				require.Equal(t, `"gh-1"`, snap.Validators.ETag)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := MustFixtureServer(t, c.routes)
			client := MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL})
			snap, err := client.Fetch(context.Background(), "vaulttec", c.prev)
			c.check(t, snap, err)
		})
	}
}

// The list is asked with content, each kept post with its questions and
// pay ranges, and only the posts kept are read.
func TestGreenhouse_Requests(t *testing.T) {
	t.Parallel()
	srv := MustFixtureServer(t, ghRoutes(nil))
	client := MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL + "/", Concurrency: 1})
	_, err := client.Fetch(context.Background(), "vaulttec", domain.BoardValidators{})
	require.NoError(t, err)
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.URL.RequestURI())
	}
	require.Equal(t, []string{
		ghBase + "?content=true",
		ghBase + "/127817?questions=true&pay_transparency=true",
		ghBase + "/127818?questions=true&pay_transparency=true",
	}, got)
}

func mustKey(t *testing.T, u string) string {
	t.Helper()
	k, err := domain.CanonicalJobKey(u)
	require.NoError(t, err)
	return k
}

// TestGreenhouse_PostingIDsAreCheckedBeforeUse: a job whose id would be a
// path of its own ("..", "a/b", a control character) is skipped, never
// requested.
func TestGreenhouse_PostingIDsAreCheckedBeforeUse(t *testing.T) {
	t.Parallel()
	list := `{"jobs": [{"id": "..", "title": "Escape"}, {"id": "a/b", "title": "Slash"}, {"id": "x\u0007", "title": "Bell"},
		{"id": 42, "title": "Engineer", "absolute_url": "https://boards.greenhouse.io/acme/jobs/42"}], "meta": {"total": 4}}`
	srv := MustFixtureServer(t, map[string]reply{
		"/v1/boards/acme/jobs":    {body: list},
		"/v1/boards/acme/jobs/42": {body: `{"id": 42, "title": "Engineer"}`},
	})
	snap, err := MustClient(t, domain.PlatformGreenhouse, sources.Options{BaseURL: srv.URL}).Fetch(context.Background(), "acme", domain.BoardValidators{})
	require.NoError(t, err)
	require.Equal(t, []string{"42"}, ids(snap))
	require.Equal(t, 3, snap.Skipped)
	for _, r := range srv.Requests() {
		require.NotContains(t, []string{"/v1/boards/acme", "/v1/boards/acme/jobs/a/b", "/v1/boards/acme/jobs/.."}, r.URL.Path)
	}
	require.Len(t, srv.Requests(), 2, "the list and job 42 only")
}
