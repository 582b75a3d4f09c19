package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestQuestionKey_NormalisesWording(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Are you legally authorised to work in the UK? *": "are you legally authorised to work in the uk",
		"  LinkedIn   Profile (required)":                 "linkedin profile",
		"Why Acme?":                                       "why acme",
		"Café — what's your favourite?":                   "café what s your favourite",
		"***":                                             "",
	} {
		require.Equal(t, want, domain.QuestionKey(in), in)
	}
}

func TestClassifyQuestion(t *testing.T) {
	t.Parallel()
	q := func(label string, section domain.QuestionSection) domain.Question {
		return domain.Question{Label: label, Section: section, Kind: domain.QuestionText}
	}
	for _, tc := range []struct {
		q    domain.Question
		want domain.AnswerCategory
	}{
		{q("Will you now or in the future require visa sponsorship?", domain.SectionCustom), domain.CategoryWorkAuthorization},
		{q("Are you legally authorized to work in the United States?", domain.SectionCustom), domain.CategoryWorkAuthorization},
		{q("Do you have the right to work in the UK?", domain.SectionCustom), domain.CategoryWorkAuthorization},
		{q("What are your salary expectations?", domain.SectionCustom), domain.CategoryCompensation},
		{q("What is your current salary?", domain.SectionCustom), domain.CategorySalaryHistory},
		{q("What is your notice period?", domain.SectionCustom), domain.CategoryNoticePeriod},
		{q("When can you start?", domain.SectionCustom), domain.CategoryNoticePeriod},
		{q("Gender", domain.SectionCustom), domain.CategoryDemographic},
		{q("Are you a protected veteran?", domain.SectionCustom), domain.CategoryDemographic},
		{q("Anything", domain.SectionDemographic), domain.CategoryDemographic},
		{q("I have read the privacy notice", domain.SectionCustom), domain.CategoryConsent},
		{q("Data retention", domain.SectionCompliance), domain.CategoryConsent},
		{q("Why do you want to work at Acme?", domain.SectionCustom), domain.CategoryGeneral},
		{q("How did you hear about us?", domain.SectionCustom), domain.CategoryGeneral},
		{q("Which languages do you manage?", domain.SectionCustom), domain.CategoryGeneral},
	} {
		require.Equal(t, tc.want, domain.ClassifyQuestion(tc.q), tc.q.Label)
	}
}

// TestClassifyQuestion_WordsInsideNames: Greenhouse labels its EEOC
// compliance questions VeteranStatus and DisabilityStatus; the words
// inside such names (and inside field names) classify them, so they are
// demographic — declined for a user who declines — never a consent.
func TestClassifyQuestion_WordsInsideNames(t *testing.T) {
	t.Parallel()
	declineOpts := []domain.QuestionOption{{Label: "I am not a protected veteran", Value: "1"}, {Label: "I don't wish to answer", Value: "3"}}
	qs := []domain.Question{
		{Field: "veteran_status", Label: "VeteranStatus", Kind: domain.QuestionSingleSelect, Section: domain.SectionCompliance, Options: declineOpts},
		{Field: "disability_status", Label: "DisabilityStatus", Kind: domain.QuestionSingleSelect, Section: domain.SectionCompliance, Options: declineOpts},
		{Field: "eeoc_race", Label: "EEOCRace", Kind: domain.QuestionSingleSelect, Section: domain.SectionCompliance, Options: declineOpts},
		{Field: "question_7", Label: "HispanicLatino", Kind: domain.QuestionSingleSelect, Section: domain.SectionCustom, Options: declineOpts},
		{Field: "gender_identity", Label: "Question 9", Kind: domain.QuestionSingleSelect, Section: domain.SectionCustom, Options: declineOpts},
	}
	for _, q := range qs {
		require.Equal(t, domain.CategoryDemographic, domain.ClassifyQuestion(q), q.Label)
	}
	form, waiting := domain.FillForm(qs, domain.Materials{Profile: domain.Profile{DeclineDemographic: true}})
	require.Empty(t, waiting)
	for _, q := range qs {
		require.Equal(t, domain.SourceDecline, form.Field(q.Field).Source, q.Label)
		require.Equal(t, "3", form.Field(q.Field).Value, q.Label)
	}
	// A name without such words stays what its section says.
	require.Equal(t, domain.CategoryConsent, domain.ClassifyQuestion(domain.Question{Field: "data_retention", Label: "DataRetention", Section: domain.SectionCompliance}))
	require.Equal(t, domain.CategoryGeneral, domain.ClassifyQuestion(domain.Question{Field: "question_3", Label: "HowDidYouHear", Section: domain.SectionCustom}))
}

func answer(label, value string, cat domain.AnswerCategory, age time.Duration) *domain.Answer {
	return &domain.Answer{Key: domain.QuestionKey(label), Label: label, Category: cat, Value: value, UpdatedAt: time.Now().Add(-age)}
}

func TestLibrary_SensitiveQuestionsAreNeverFilledFromASimilarOne(t *testing.T) {
	t.Parallel()
	lib := domain.NewLibrary([]*domain.Answer{
		answer("Do you require visa sponsorship to work in the United Kingdom?", "No", domain.CategoryWorkAuthorization, 0),
		answer("What are your salary expectations for this role in London?", "GBP 90,000", domain.CategoryCompensation, 0),
		answer("Why do you want to work at Acme Rockets?", "I like rockets.", domain.CategoryGeneral, 0),
	})
	// Nearly the same wording, a different country or city: never borrowed.
	for _, label := range []string{"Do you require visa sponsorship to work in the United States?", "What are your salary expectations for this role in Berlin?"} {
		q := domain.Question{Label: label, Kind: domain.QuestionText}
		cat := domain.ClassifyQuestion(q)
		require.True(t, cat.Sensitive(), label)
		a, _ := lib.Lookup(domain.QuestionKey(label), cat)
		require.Nil(t, a, "%s is answered only by the user's answer to it", label)
	}
	// A general question worded a little differently borrows the answer, and says so.
	a, similar := lib.Lookup(domain.QuestionKey("Why do you want to work for Acme Rockets?"), domain.CategoryGeneral)
	require.NotNil(t, a)
	require.True(t, similar)
	require.Equal(t, "I like rockets.", a.Value)
	// Too different: nothing.
	a, _ = lib.Lookup(domain.QuestionKey("Why do you want to leave your job?"), domain.CategoryGeneral)
	require.Nil(t, a)
	// The exact wording of a sensitive question is answered.
	a, similar = lib.Lookup(domain.QuestionKey("Do you require visa sponsorship to work in the United Kingdom"), domain.CategoryWorkAuthorization)
	require.NotNil(t, a)
	require.False(t, similar)
}

func greenhouseForm() []domain.Question {
	yesNo := []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}
	return []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "last_name", Label: "Last Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "phone", Label: "Phone", Kind: domain.QuestionText, Required: false, Section: domain.SectionStandard},
		{Field: "resume", Label: "Resume/CV", Kind: domain.QuestionFile, Required: true, Section: domain.SectionStandard},
		{Field: "cover_letter", Label: "Cover Letter", Kind: domain.QuestionFile, Required: false, Section: domain.SectionStandard},
		{Field: "question_1", Label: "LinkedIn Profile", Kind: domain.QuestionText, Required: false, Section: domain.SectionCustom},
		{Field: "question_2", Label: "Will you require visa sponsorship?", Kind: domain.QuestionSingleSelect, Required: true,
			Section: domain.SectionCustom, Options: yesNo},
		{Field: "question_3", Label: "How did you hear about us?", Kind: domain.QuestionText, Required: false, Section: domain.SectionCustom},
		{Field: "latitude", Label: "Latitude", Kind: domain.QuestionHidden, Required: true, Section: domain.SectionLocation},
		{Field: "gender", Label: "Gender", Kind: domain.QuestionSingleSelect, Required: true, Section: domain.SectionDemographic,
			Options: []domain.QuestionOption{{Label: "Male", Value: "1"}, {Label: "Female", Value: "2"}, {Label: "Decline To Self Identify", Value: "3"}}},
	}
}

func TestFillForm_FillsFromWhatTheUserGaveAndWaitsForTheRest(t *testing.T) {
	t.Parallel()
	resume := &domain.FormFile{DocumentID: domain.NewID(), Kind: "resume", Filename: "ada.pdf", SHA256: "ab"}
	m := domain.Materials{
		Profile:     domain.Profile{FirstName: "Ada", Name: "Ada Lovelace", LinkedIn: "https://linkedin.com/in/ada"},
		Email:       "ada@example.com",
		CoverLetter: "Dear Acme,",
		Resume:      resume,
		Library:     domain.NewLibrary(nil),
	}
	form, waiting := domain.FillForm(greenhouseForm(), m)
	keys := map[string]string{}
	for _, w := range waiting {
		keys[w.Key] = w.Why
	}
	require.Equal(t, map[string]string{
		"profile:last_name":                 "your profile has no last name",
		"will you require visa sponsorship": "no answer yet",
		"gender":                            "no answer yet",
	}, keys, "required and unanswered; nothing guessed (not even a last name from the full name)")

	require.Equal(t, "Ada", form.Field("first_name").Value)
	require.Equal(t, domain.SourceProfile, form.Field("first_name").Source)
	require.Equal(t, "ada@example.com", form.Field("email").Value)
	require.Equal(t, resume, form.Field("resume").File)
	require.Equal(t, domain.SourceDocument, form.Field("resume").Source)
	require.Equal(t, "Dear Acme,", form.Field("cover_letter").Value, "no cover-letter document: the letter goes as text")
	require.Equal(t, "https://linkedin.com/in/ada", form.Field("question_1").Value, "a custom question asking for the profile's LinkedIn")
	require.True(t, form.Field("question_3").Empty(), "optional and unanswered: left blank")
	require.Equal(t, domain.SourcePlatform, form.Field("latitude").Source)

	// Answered and declining: nothing waits; the choice is sent as the option's value.
	m.Profile.LastName, m.Profile.DeclineDemographic = "Lovelace", true
	m.Library = domain.NewLibrary([]*domain.Answer{answer("Will you require visa sponsorship?", "no", domain.CategoryWorkAuthorization, 0)})
	form, waiting = domain.FillForm(greenhouseForm(), m)
	require.Empty(t, waiting)
	require.Equal(t, "0", form.Field("question_2").Value)
	require.Equal(t, domain.SourceLibrary, form.Field("question_2").Source)
	require.Equal(t, "3", form.Field("gender").Value)
	require.Equal(t, domain.SourceDecline, form.Field("gender").Source)

	// A saved answer that is not one of this form's options waits, saying so.
	m.Library = domain.NewLibrary([]*domain.Answer{answer("Will you require visa sponsorship?", "Only for the US", domain.CategoryWorkAuthorization, 0)})
	_, waiting = domain.FillForm(greenhouseForm(), m)
	require.Len(t, waiting, 1)
	require.Contains(t, waiting[0].Why, "not one of the options (Yes, No)")

	// No résumé: the task waits for one.
	m.Resume = nil
	m.Library = domain.NewLibrary([]*domain.Answer{answer("Will you require visa sponsorship?", "No", domain.CategoryWorkAuthorization, 0)})
	_, waiting = domain.FillForm(greenhouseForm(), m)
	require.Len(t, waiting, 1)
	require.Equal(t, "document:resume", waiting[0].Key)
}

// TestFillForm_ADeclinedMultiSelectIsSent: declining a demographic
// multi-select puts the decline choice where a multi-select is sent from
// (Values), not only where the approval page reads it (Value).
func TestFillForm_ADeclinedMultiSelectIsSent(t *testing.T) {
	t.Parallel()
	q := domain.Question{Field: "race", Label: "Race", Kind: domain.QuestionMultiSelect, Section: domain.SectionDemographic,
		Options: []domain.QuestionOption{{Label: "Asian", Value: "1"}, {Label: "White", Value: "2"}, {Label: "I don't wish to answer", Value: "9"}}}
	single := domain.Question{Field: "gender", Label: "Gender", Kind: domain.QuestionSingleSelect, Section: domain.SectionDemographic,
		Options: []domain.QuestionOption{{Label: "Female", Value: "1"}, {Label: "Decline to self identify", Value: "3"}}}
	form, waiting := domain.FillForm([]domain.Question{q, single}, domain.Materials{Profile: domain.Profile{DeclineDemographic: true}})
	require.Empty(t, waiting)
	f := form.Field("race")
	require.Equal(t, domain.SourceDecline, f.Source)
	require.Equal(t, []string{"9"}, f.Values, "a multi-select is sent from Values")
	require.Empty(t, f.Value)
	require.Equal(t, "I don't wish to answer", f.Display())
	g := form.Field("gender")
	require.Equal(t, "3", g.Value, "a single choice is sent from Value")
	require.Empty(t, g.Values)
}

func TestForm_ApplyEdits(t *testing.T) {
	t.Parallel()
	m := domain.Materials{Profile: domain.Profile{FirstName: "Ada", LastName: "Lovelace", DeclineDemographic: true}, Email: "ada@example.com",
		Resume:  &domain.FormFile{Filename: "cv.pdf"},
		Library: domain.NewLibrary([]*domain.Answer{answer("Will you require visa sponsorship?", "No", domain.CategoryWorkAuthorization, 0)})}
	form, waiting := domain.FillForm(greenhouseForm(), m)
	require.Empty(t, waiting)

	require.NoError(t, form.ApplyEdits([]domain.FormEdit{{Field: "question_3", Value: "A friend"}, {Field: "question_2", Value: "Yes"}}))
	require.Equal(t, "A friend", form.Field("question_3").Value)
	require.Equal(t, domain.SourceUserEdit, form.Field("question_3").Source)
	require.Equal(t, "1", form.Field("question_2").Value)

	for _, tc := range []struct {
		edit  domain.FormEdit
		field string
		msg   string
	}{
		{domain.FormEdit{Field: "first_name", Value: "  "}, "form.first_name", "cannot be emptied"},
		{domain.FormEdit{Field: "question_2", Value: "Maybe"}, "form.question_2", "not one of the options"},
		{domain.FormEdit{Field: "nope", Value: "x"}, "form.nope", "no such field"},
		{domain.FormEdit{Field: "resume", Value: "x"}, "form.resume", "cannot be edited here"},
	} {
		before := *form
		before.Fields = append([]domain.FormField(nil), form.Fields...)
		err := form.ApplyEdits([]domain.FormEdit{{Field: "question_3", Value: "changed"}, tc.edit})
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), tc.field)
		var de *domain.Error
		require.ErrorAs(t, err, &de)
		require.Contains(t, de.Details["fields"].(map[string]any)[tc.field], tc.msg)
		require.Equal(t, before.Fields, form.Fields, "a refused edit changes nothing")
	}
}
