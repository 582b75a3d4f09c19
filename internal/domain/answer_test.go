package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestCompanySpecific(t *testing.T) {
	t.Parallel()
	for label, want := range map[string]bool{
		"Why do you want to work here?":                     true,
		"Why do you want to work at Acme Rockets?":          true,
		"Why would you like to join us?":                    true,
		"Why do you want to join?":                          true,
		"What interests you about this role?":               true,
		"What excites you about joining our team?":          true,
		"Why are you interested in this position?":          true,
		"Why this company?":                                 true,
		"Why Globex?":                                       true, // names the company asking
		"What do you know about Globex Corp's products?":    true,
		"What do you know about us?":                        true,
		"Are you legally authorised to work in the UK?":     false,
		"Years of experience with Go":                       false,
		"Describe a project you are proud of":               false,
		"How did you hear about this job?":                  false,
		"LinkedIn profile":                                  false,
		"Will you now or in the future require sponsorship": false,
	} {
		require.Equal(t, want, domain.CompanySpecific(label, "Globex", "Initech Inc."), label)
	}
	// A company's legal suffix does not have to be repeated; a one-letter
	// name never matches every question with that letter.
	require.True(t, domain.CompanySpecific("Why Initech?", "Initech Inc."))
	require.False(t, domain.CompanySpecific("Do you have a C compiler background?", "C"))
}

func TestLibrary_ForTask(t *testing.T) {
	t.Parallel()
	task := domain.NewID()
	lib := domain.NewLibrary([]*domain.Answer{
		{Key: "why do you want to work here", Value: "For everyone", Category: domain.CategoryGeneral},
		{Key: "years of go experience", Value: "5", Category: domain.CategoryGeneral},
	})
	own := lib.ForTask([]*domain.Answer{{Key: "why do you want to work here", Value: "Just for you", TaskID: &task}})
	require.Equal(t, "Just for you", own.Exact("why do you want to work here").Value)
	require.Equal(t, "5", own.Exact("years of go experience").Value)
	require.Equal(t, "For everyone", lib.Exact("why do you want to work here").Value, "the library itself is unchanged")
	// The task's own answer never stands in for a similar question.
	a, _ := domain.NewLibrary(nil).ForTask([]*domain.Answer{{Key: "why do you really want to work here", Value: "x", TaskID: &task, Category: domain.CategoryGeneral}}).
		Lookup("why do you want to work here now", domain.CategoryGeneral)
	require.Nil(t, a)
}
