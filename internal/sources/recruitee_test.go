package sources_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/sources"
)

func TestRecruitee_Fixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply reply
		check func(t *testing.T, snap *domain.BoardSnapshot, err error)
	}{
		{"offers with open questions", reply{file: "recruitee/offers.json", header: map[string]string{"ETag": `"r1"`}}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"senior-go-engineer", "office-manager"}, ids(snap), "the draft left out")
			require.Equal(t, 2, snap.Skipped, "an offer without a slug, a slug repeated in another case")
			require.Equal(t, `"r1"`, snap.Validators.ETag)

			p := posting(t, snap, "senior-go-engineer")
			require.Equal(t, "Senior Go Engineer", p.Title)
			require.Equal(t, "Acme", p.Company, "the offer's company_name")
			require.Equal(t, "Amsterdam, North Holland, Netherlands", p.Location)
			require.Equal(t, "Engineering", p.Department)
			require.True(t, p.Remote)
			require.Equal(t, "Build our hiring platform.\n\n- Go\n- PostgreSQL", p.Description)
			require.Equal(t, "EUR 60,000 – 80,000 per year", p.Compensation, "a bound given as a string")
			require.Equal(t, "fulltime permanent", p.EmploymentType)
			require.Equal(t, "https://acme.recruitee.com/o/senior-go-engineer", p.URL)
			require.Equal(t, "https://acme.recruitee.com/o/senior-go-engineer/c/new", p.ApplyURL)
			require.Equal(t, mustTime(t, "2024-05-02T08:00:00Z"), p.UpdatedAt)
			require.Equal(t, domain.BoardPostingKey(domain.PlatformRecruitee, "acme", p.ExternalID), mustKey(t, p.URL))
			require.Equal(t, domain.BoardPostingKey(domain.PlatformRecruitee, "acme", p.ExternalID), mustKey(t, p.ApplyURL))

			std := func(field, label string, kind domain.QuestionKind, required bool) domain.Question {
				return domain.Question{Field: field, Label: label, Kind: kind, Required: required, Section: domain.SectionStandard}
			}
			custom := func(field, label string, kind domain.QuestionKind, required bool, opts ...string) domain.Question {
				q := domain.Question{Field: field, Label: label, Kind: kind, Required: required, Section: domain.SectionCustom}
				for _, o := range opts {
					q.Options = append(q.Options, domain.QuestionOption{Label: o, Value: o})
				}
				return q
			}
			legal := custom("286361", "I agree to the privacy policy", domain.QuestionBoolean, true)
			legal.Section = domain.SectionCompliance
			require.Equal(t, []domain.Question{
				std("name", "Name", domain.QuestionText, true),
				std("email", "Email", domain.QuestionText, true),
				std("phone", "Phone", domain.QuestionText, false),
				std("cv", "CV", domain.QuestionFile, true),
				std("cover_letter", "Cover letter", domain.QuestionTextarea, true),
				custom("286356", "Desired salary", domain.QuestionText, true),
				custom("286357", "Why do you want to join us?", domain.QuestionTextarea, false),
				custom("286358", "Contract type?", domain.QuestionSingleSelect, true, "B2B", "Employment"),
				custom("286359", "What food do you like?", domain.QuestionMultiSelect, false, "Pizza", "Hamburger"),
				custom("286360", "Do you have a work permit for the EU?", domain.QuestionBoolean, true),
				legal,
				custom("286362", "Earliest start date", domain.QuestionDate, false),
				custom("286363", "Years of experience", domain.QuestionNumber, false),
				custom("286364", "Salary expectation", domain.QuestionNumber, false),
				custom("286365", "Portfolio", domain.QuestionFile, false),
				custom("286366", "Introduce yourself", domain.QuestionOther, false),
				custom("286367", "A kind nobody knows", domain.QuestionOther, true),
			}, p.Questions)

			p = posting(t, snap, "office-manager")
			require.Equal(t, "Rotterdam, Netherlands", p.Location)
			require.Equal(t, "Operations", p.Department, "a department given as an object")
			require.False(t, p.Remote)
			require.Equal(t, "https://careers.acme.example/o/office-manager", p.URL, "a custom careers domain is kept")
			require.Empty(t, p.Compensation)
			require.Equal(t, []domain.Question{
				std("name", "Name", domain.QuestionText, true),
				std("email", "Email", domain.QuestionText, true),
				std("phone", "Phone", domain.QuestionText, true),
				std("cv", "CV", domain.QuestionFile, true),
			}, p.Questions, "phone and CV required by default")
		}},
		{"not JSON", reply{body: "offers: none"}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "recruitee", "the offers")
		}},
		{"a wrong type", reply{body: `{"offers": [{"slug": "x", "title": "X", "open_questions": {"id": 1}}]}`}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			requireInvalid(t, err, "recruitee", "the offers")
		}},
		{"an unknown company", reply{status: 404, body: "Not Found"}, func(t *testing.T, snap *domain.BoardSnapshot, err error) {
			require.ErrorIs(t, err, domain.ErrBoardNotFound)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := MustFixtureServer(t, map[string]reply{"/acme/api/offers": c.reply})
			// The host template points at the test server, the board in its path.
			client := MustClient(t, domain.PlatformRecruitee, sources.Options{BaseURL: srv.URL + "/{board}"})
			snap, err := client.Fetch(context.Background(), "acme", domain.BoardValidators{})
			c.check(t, snap, err)
		})
	}
}
