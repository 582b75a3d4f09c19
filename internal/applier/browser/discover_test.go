package browser

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// TestQuestions_FromAReadForm: the fields page.js read become the job's
// questions: a platform's standard field says what it takes, a field under
// a self-identification heading is demographic, an unknown kind only the
// user fills — and what a page can put there is bounded.
func TestQuestions_FromAReadForm(t *testing.T) {
	t.Parallel()
	lever := platforms[domain.PlatformLever]
	qs := lever.questions([]shownField{
		{Field: "name", Label: "Full name", Kind: domain.QuestionText, Required: true},
		{Field: "location", Label: "Current location", Kind: domain.QuestionText},
		{Field: "comments", Label: "Additional information", Kind: domain.QuestionTextarea},
		{Field: "cards[a][field0]", Label: "Gender", Kind: domain.QuestionSingleSelect, Section: "U.S. Equal Employment Opportunity information"},
		{Field: "cards[b][field0]", Label: "Record a video", Kind: "video"},
		{Field: "cards[b][field0]", Label: "A second field of the same name", Kind: domain.QuestionText},
		{Field: "", Label: "No name", Kind: domain.QuestionText},
	})
	require.Len(t, qs, 5, "nameless and repeated fields are left out")
	require.Equal(t, "name", qs[0].Fills)
	require.Equal(t, domain.SectionStandard, qs[0].Section)
	require.Equal(t, domain.SectionLocation, qs[1].Section)
	require.Equal(t, "cover_letter", qs[2].Fills, "Lever's comments take the cover letter")
	require.Equal(t, domain.SectionDemographic, qs[3].Section)
	require.Equal(t, domain.CategoryDemographic, domain.ClassifyQuestion(qs[3]))
	require.Equal(t, domain.QuestionOther, qs[4].Kind)
	require.Empty(t, qs[4].Fills)

	var many []shownField
	for i := range 250 {
		f := shownField{Field: fmt.Sprint("q", i), Label: strings.Repeat("é", 400), Kind: domain.QuestionSingleSelect}
		for j := range 400 {
			f.Options = append(f.Options, domain.QuestionOption{Label: fmt.Sprint(j), Value: fmt.Sprint(j)})
		}
		many = append(many, f)
	}
	qs = lever.questions(many)
	require.Len(t, qs, maxFields)
	require.Len(t, qs[0].Options, maxOptions)
	require.LessOrEqual(t, len(qs[0].Label), maxLabel+len("…"))
	require.True(t, utf8.ValidString(qs[0].Label))
}
