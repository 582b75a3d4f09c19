package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

// leverForm is a Lever hosted form as the browser reads it: Lever's own
// fields, which take standard values by convention (Fills), and one
// question of the employer's.
func leverForm() []domain.Question {
	return []domain.Question{
		{Field: "resume", Label: "Resume/CV", Kind: domain.QuestionFile, Required: true, Section: domain.SectionStandard, Fills: "resume"},
		{Field: "name", Label: "Full name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "name"},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "email"},
		{Field: "phone", Label: "Phone", Kind: domain.QuestionText, Section: domain.SectionStandard, Fills: "phone"},
		{Field: "org", Label: "Current company", Kind: domain.QuestionText, Section: domain.SectionStandard, Fills: "current_company"},
		{Field: "urls[LinkedIn]", Label: "LinkedIn URL", Kind: domain.QuestionText, Section: domain.SectionStandard, Fills: "linkedin"},
		{Field: "comments", Label: "Additional information", Kind: domain.QuestionTextarea, Section: domain.SectionStandard, Fills: "cover_letter"},
		{Field: "cards[a1][field0]", Label: "What draws you to Globex?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
	}
}

func discoveredForm(qs []domain.Question) *domain.DiscoveredForm {
	return &domain.DiscoveredForm{Questions: qs, Hash: domain.FormHash(qs), URL: "https://jobs.lever.co/globex/abc/apply", ReadAt: time.Now()}
}

// TestFormQuestions: the questions a job's form asks are those its board
// publishes, then those the browser found that the board does not list;
// all the browser found when the board publishes none; nil when neither
// is known.
func TestFormQuestions(t *testing.T) {
	t.Parallel()
	published := greenhouseForm()[:3]
	extra := domain.Question{Field: "question_99", Label: "Pronouns", Kind: domain.QuestionText, Section: domain.SectionCustom}
	// The browser reads the published fields too, worded as the page shows them.
	seen := []domain.Question{{Field: "first_name", Label: "First name (as on your passport)", Kind: domain.QuestionText, Required: true}, extra, published[2]}

	require.Nil(t, (&domain.JobPosting{}).FormQuestions(), "neither known")
	require.Equal(t, published, (&domain.JobPosting{Questions: published}).FormQuestions())
	require.Equal(t, seen, (&domain.JobPosting{Form: discoveredForm(seen)}).FormQuestions())
	require.Equal(t, append(append([]domain.Question(nil), published...), extra),
		(&domain.JobPosting{Questions: published, Form: discoveredForm(seen)}).FormQuestions(),
		"published first, as published; then the fields the board does not list")
	require.Equal(t, published, (&domain.JobPosting{Questions: published, Form: discoveredForm(nil)}).FormQuestions(), "a form read empty adds nothing")
	require.Equal(t, []domain.Question{}, (&domain.JobPosting{Questions: []domain.Question{}}).FormQuestions(), "a board that publishes an empty form")
}

// TestFormHash_IsTheFormsShape: the hash changes with anything that
// changes what a form asks, and only with that.
func TestFormHash_IsTheFormsShape(t *testing.T) {
	t.Parallel()
	base := leverForm()
	h := domain.FormHash(base)
	require.Len(t, h, 64)
	same := leverForm()
	same[1].Section, same[1].Fills = domain.SectionCustom, ""
	require.Equal(t, h, domain.FormHash(same), "classification is applyq's, not the form's")
	for name, change := range map[string]func(qs []domain.Question){
		"label":    func(qs []domain.Question) { qs[7].Label = "What draws you to Acme?" },
		"required": func(qs []domain.Question) { qs[3].Required = true },
		"kind":     func(qs []domain.Question) { qs[6].Kind = domain.QuestionText },
		"options":  func(qs []domain.Question) { qs[7].Options = []domain.QuestionOption{{Label: "Yes", Value: "y"}} },
		"field":    func(qs []domain.Question) { qs[0].Field = "cv" },
	} {
		qs := leverForm()
		change(qs)
		require.NotEqual(t, h, domain.FormHash(qs), name)
	}
	require.NotEqual(t, h, domain.FormHash(base[1:]), "a field fewer")
}

// TestBuildPacket_DiscoveredForm: a posting whose board publishes no form
// (Lever) gets the form the browser read, filled like a published one —
// the platform's own fields from what they take (Fills), the employer's
// question from the library or, unanswered and required, waited for.
func TestBuildPacket_DiscoveredForm(t *testing.T) {
	t.Parallel()
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada Lovelace", Phone: "+44 20 7946 0000",
		CurrentCompany: "Analytical Engines", LinkedIn: "https://linkedin.com/in/ada"}}
	resume := &domain.FormFile{DocumentID: domain.NewID(), Kind: "resume", Filename: "ada.pdf", SHA256: "ab"}
	task := &domain.Task{ID: domain.NewID()}
	run := &domain.Run{CoverLetterTemplate: "Dear {{.company}},"}
	job := &domain.JobPosting{CanonicalKey: "lever:globex:abc", Company: "Globex"}

	// Not read: no form, as before.
	p, waiting, err := domain.BuildPacket(task, run, job, user, domain.PacketMaterials{Resume: resume}, time.Now())
	require.NoError(t, err)
	require.Empty(t, waiting)
	require.Nil(t, p.Form)
	require.Len(t, p.Documents, 1)

	job.Form = discoveredForm(leverForm())
	_, waiting, err = domain.BuildPacket(task, run, job, user, domain.PacketMaterials{Resume: resume, Library: domain.NewLibrary(nil)}, time.Now())
	require.NoError(t, err)
	require.Equal(t, []domain.WaitingQuestion{{Key: "what draws you to globex", Label: "What draws you to Globex?", Kind: domain.QuestionTextarea,
		Category: domain.CategoryGeneral, Why: "no answer yet"}}, waiting, "only the employer's required question waits")

	lib := domain.NewLibrary([]*domain.Answer{answer("What draws you to Globex?", "The engines.", domain.CategoryGeneral, 0)})
	p, waiting, err = domain.BuildPacket(task, run, job, user, domain.PacketMaterials{Resume: resume, Library: lib}, time.Now())
	require.NoError(t, err)
	require.Empty(t, waiting)
	require.NotNil(t, p.Form)
	require.Len(t, p.Form.Fields, len(leverForm()))
	for field, want := range map[string]struct {
		value  string
		source domain.FormSource
	}{
		"name": {"Ada Lovelace", domain.SourceProfile}, "email": {"ada@example.com", domain.SourceProfile},
		"phone": {"+44 20 7946 0000", domain.SourceProfile}, "org": {"Analytical Engines", domain.SourceProfile},
		"urls[LinkedIn]":    {"https://linkedin.com/in/ada", domain.SourceProfile},
		"comments":          {"Dear Globex,", domain.SourceCoverLetter},
		"cards[a1][field0]": {"The engines.", domain.SourceLibrary},
	} {
		f := p.Form.Field(field)
		require.NotNil(t, f, field)
		require.Equal(t, want.value, f.Value, field)
		require.Equal(t, want.source, f.Source, field)
	}
	require.Equal(t, resume, p.Form.Field("resume").File)
	require.Equal(t, []domain.FormFile{*resume}, p.Documents, "the documents are the form's")
}

// TestBuildPacket_PublishedAndDiscovered: a Greenhouse posting publishes
// its questions; a field its hosted form shows beyond them is asked too,
// after them.
func TestBuildPacket_PublishedAndDiscovered(t *testing.T) {
	t.Parallel()
	published := []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
	}
	read := []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "first_name"},
		{Field: "question_7", Label: "Preferred pronouns", Kind: domain.QuestionText, Required: true, Section: domain.SectionCustom},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard, Fills: "email"},
	}
	job := &domain.JobPosting{CanonicalKey: "greenhouse:acme:1", Questions: published, Form: discoveredForm(read)}
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada Lovelace", FirstName: "Ada"}}
	lib := domain.NewLibrary([]*domain.Answer{answer("Preferred pronouns", "she/her", domain.CategoryDemographic, 0)})
	p, waiting, err := domain.BuildPacket(&domain.Task{ID: domain.NewID()}, &domain.Run{}, job, user, domain.PacketMaterials{Library: lib}, time.Now())
	require.NoError(t, err)
	require.Empty(t, waiting)
	var fields []string
	for _, f := range p.Form.Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"first_name", "email", "question_7"}, fields, "published first, then the discovered extra")
	require.Equal(t, "she/her", p.Form.Field("question_7").Value)
	require.Equal(t, domain.CategoryDemographic, p.Form.Field("question_7").Category)
}

// TestBuildPacket_DiscoveredWorkAuthorizationIsNeverBorrowed: a
// discovered question about the right to work is a work_authorization
// question like a published one: the user's answer for another country
// never fills it.
func TestBuildPacket_DiscoveredWorkAuthorizationIsNeverBorrowed(t *testing.T) {
	t.Parallel()
	q := domain.Question{Field: "cards[b2][field0]", Label: "Are you legally authorized to work in the US?", Kind: domain.QuestionSingleSelect,
		Required: true, Section: domain.SectionCustom, Options: []domain.QuestionOption{{Label: "Yes", Value: "Yes"}, {Label: "No", Value: "No"}}}
	require.Equal(t, domain.CategoryWorkAuthorization, domain.ClassifyQuestion(q))
	job := &domain.JobPosting{CanonicalKey: "lever:globex:abc", Form: discoveredForm([]domain.Question{q})}
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada Lovelace"}}
	lib := domain.NewLibrary([]*domain.Answer{answer("Are you legally authorized to work in the UK?", "Yes", domain.CategoryWorkAuthorization, 0)})
	_, waiting, err := domain.BuildPacket(&domain.Task{ID: domain.NewID()}, &domain.Run{}, job, user, domain.PacketMaterials{Library: lib}, time.Now())
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	require.Equal(t, domain.CategoryWorkAuthorization, waiting[0].Category)
	require.Equal(t, "are you legally authorized to work in the us", waiting[0].Key)
}
