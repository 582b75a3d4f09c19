package tasks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
	"github.com/applyq/applyq/internal/postgres/pgtest"
	"github.com/applyq/applyq/internal/tasks"
	"github.com/applyq/applyq/internal/tasks/taskstest"
)

var yesNo = []domain.QuestionOption{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}

// formQuestions is a posting's form: names, a visa question, a general
// question, and a demographic one.
func formQuestions() []domain.Question {
	return []domain.Question{
		{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "last_name", Label: "Last Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "email", Label: "Email", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard},
		{Field: "question_1", Label: "Will you now or in the future require visa sponsorship?", Kind: domain.QuestionSingleSelect,
			Required: true, Section: domain.SectionCustom, Options: yesNo},
		{Field: "question_2", Label: "Why do you want to work at Acme Rockets?", Kind: domain.QuestionTextarea, Required: true, Section: domain.SectionCustom},
	}
}

// withForm gives jobs a published form.
func withForm(t *testing.T, b *bundle, qs []domain.Question, jobs ...domain.ID) {
	t.Helper()
	taskstest.MustForm(t, b.db, qs, jobs...)
}

// work claims and prepares one task as a worker does.
func work(t *testing.T, b *bundle, svc *tasks.Service, taskID domain.ID) tasks.Next {
	t.Helper()
	return taskstest.MustWork(t, b.db, svc, b.user.ID, taskID)
}

func mustTask(t *testing.T, b *bundle, id domain.ID) *domain.Task {
	t.Helper()
	task, err := b.db.TaskGet(context.Background(), b.user.ID, id)
	require.NoError(t, err)
	return task
}

func setupForms(t *testing.T) *bundle {
	t.Helper()
	b := setup(t)
	p := b.user.Profile
	p.FirstName = "Ada"
	_, err := b.db.UpdateProfile(context.Background(), b.user.ID, p, 50)
	require.NoError(t, err)
	return b
}

// answer gives the user's last name and files answers by the questions'
// wording: the forms then need nothing more.
func answer(t *testing.T, b *bundle, answers map[string]string) {
	t.Helper()
	ctx := context.Background()
	u, err := b.db.GetUser(ctx, b.user.ID)
	require.NoError(t, err)
	p := u.Profile
	p.LastName = "Lovelace"
	_, err = b.db.UpdateProfile(ctx, b.user.ID, p, 50)
	require.NoError(t, err)
	for label, value := range answers {
		_, err := b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Label: label, Value: value}, "test")
		require.NoError(t, err)
	}
}

// TestAnswer_OneAnswerQueuesAgainEveryTaskWaitingOnIt: tasks whose forms
// ask what nothing answers pause as needs_answer, listing the questions;
// the questions page groups them across runs; answering one queues again
// (boosted) the tasks that waited for it alone, and those waiting for
// more wait on; the next preparation fills the form with the answers and
// says where each came from.
func TestAnswer_OneAnswerQueuesAgainEveryTaskWaitingOnIt(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	other := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	jobs := pgtest.MustJobs(t, b.db, b.user, 3)
	withForm(t, b, formQuestions(), jobs[0], jobs[1])
	// The third posting asks only the visa question.
	withForm(t, b, formQuestions()[3:4], jobs[2])
	ids := []domain.ID{
		taskstest.MustAdd(t, b.db, b.user, b.run, jobs[:1]).Queued[0].TaskID,
		taskstest.MustAdd(t, b.db, b.user, other, jobs[1:2]).Queued[0].TaskID,
		taskstest.MustAdd(t, b.db, b.user, other, jobs[2:]).Queued[0].TaskID,
	}
	for _, id := range ids {
		next := work(t, b, b.svc, id)
		require.Nil(t, next.Submit, "nothing is sent while questions wait")
		task := mustTask(t, b, id)
		require.Equal(t, domain.StatePaused, task.State)
		require.Equal(t, domain.ReasonNeedsAnswer, task.StateReason)
	}
	require.Contains(t, mustTask(t, b, ids[0]).LastError, "waiting for 3 answer(s): Last Name (your profile has no last name); Will you now")

	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	byKey := map[string]int{}
	for _, w := range waiting {
		byKey[w.Key] = w.Tasks
		if w.Key == "will you now or in the future require visa sponsorship" {
			require.Equal(t, domain.CategoryWorkAuthorization, w.Category)
			require.Equal(t, yesNo, w.Options)
			require.Equal(t, 2, w.Runs)
		}
	}
	require.Equal(t, map[string]int{"profile:last_name": 2, "will you now or in the future require visa sponsorship": 3,
		"why do you want to work at acme rockets": 2}, byKey)

	// A choice that is not an option is refused, and nothing is filed.
	_, err = b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: "will you now or in the future require visa sponsorship", Value: "Maybe"}, "test")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`))

	res, err := b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: "will you now or in the future require visa sponsorship", Value: "no"}, "test")
	require.NoError(t, err)
	require.Equal(t, "No", res.Answer.Value, "a choice is filed under its label")
	require.Equal(t, domain.CategoryWorkAuthorization, res.Answer.Category)
	require.Equal(t, 1, res.Resumed, "the task that waited for it alone")
	require.Equal(t, 2, res.StillWaiting)
	resumed := mustTask(t, b, ids[2])
	require.Equal(t, domain.StateQueued, resumed.State)
	require.Equal(t, domain.ReasonAnswered, resumed.StateReason)
	require.Equal(t, domain.PriorityBoosted, resumed.Priority, "boosted as resumes are")
	waiting, err = b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	byKey = map[string]int{}
	for _, w := range waiting {
		byKey[w.Key] = w.Tasks
	}
	require.Equal(t, map[string]int{"profile:last_name": 2, "why do you want to work at acme rockets": 2}, byKey,
		"an answered question is no longer asked, though its tasks still wait for others")

	_, err = b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: "profile:last_name", Value: "Lovelace"}, "test")
	require.NoError(t, err)
	u, err := b.db.GetUser(ctx, b.user.ID)
	require.NoError(t, err)
	require.Equal(t, "Lovelace", u.Profile.LastName, "a profile question is answered in the profile")
	res, err = b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: "why do you want to work at acme rockets", Value: "Rockets."}, "test")
	require.NoError(t, err)
	require.Equal(t, 2, res.Resumed)
	require.Zero(t, res.StillWaiting)

	// Prepared again, the form is filled and says where each value came from.
	next := work(t, b, b.svc, ids[0])
	require.NotNil(t, next.Submit)
	form := next.Submit.Packet.Form
	require.NotNil(t, form)
	for field, want := range map[string]struct {
		value  string
		source domain.FormSource
	}{
		"first_name": {"Ada", domain.SourceProfile}, "last_name": {"Lovelace", domain.SourceProfile},
		"question_1": {"0", domain.SourceLibrary}, "question_2": {"Rockets.", domain.SourceLibrary},
	} {
		f := form.Field(field)
		require.Equal(t, want.value, f.Value, field)
		require.Equal(t, want.source, f.Source, field)
	}
	waiting, err = b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Empty(t, waiting, "nothing waits any more")
}

// TestAnswer_SensitiveQuestionsAreNeverFilledFromASimilarAnswer: the
// library answers the visa question for the UK; a form asking it for the
// US waits for the user, while a general question worded a little
// differently is filled from the similar answer, marked as such.
func TestAnswer_SensitiveQuestionsAreNeverFilledFromASimilarAnswer(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	answer(t, b, map[string]string{"Do you require visa sponsorship to work in the United Kingdom?": "No",
		"Why do you want to work at Acme Rockets?": "Rockets."})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	withForm(t, b, []domain.Question{
		{Field: "q1", Label: "Do you require visa sponsorship to work in the United States?", Kind: domain.QuestionSingleSelect, Required: true, Options: yesNo},
		{Field: "q2", Label: "Why do you want to work for Acme Rockets?", Kind: domain.QuestionTextarea, Required: true},
	}, job...)
	id := taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID
	work(t, b, b.svc, id)
	require.Equal(t, domain.ReasonNeedsAnswer, mustTask(t, b, id).StateReason)
	waiting, err := b.db.WaitingQuestions(ctx, b.user.ID)
	require.NoError(t, err)
	require.Len(t, waiting, 1, "only the visa question waits: the general one was filled from the similar answer")
	require.Equal(t, domain.CategoryWorkAuthorization, waiting[0].Category)

	_, err = b.svc.Answer(ctx, b.user.ID, tasks.AnswerInput{Key: waiting[0].Key, Value: "Yes"}, "test")
	require.NoError(t, err)
	next := work(t, b, b.svc, id)
	require.NotNil(t, next.Submit)
	require.Equal(t, domain.SourceLibrarySimilar, next.Submit.Packet.Form.Field("q2").Source)
	require.Equal(t, "Why do you want to work at Acme Rockets?", next.Submit.Packet.Form.Field("q2").From)
	require.Equal(t, "1", next.Submit.Packet.Form.Field("q1").Value)
}

func TestAnswer_RefusesWhatItCannotFile(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	withForm(t, b, formQuestions(), job...)
	work(t, b, b.svc, taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID)

	for _, tc := range []struct {
		name string
		user domain.ID
		in   tasks.AnswerInput
		code string
	}{
		{"a key nothing waits for", b.user.ID, tasks.AnswerInput{Key: "what is your favourite colour", Value: "blue"}, domain.ENOTFOUND},
		{"another user's question", other.ID, tasks.AnswerInput{Key: "why do you want to work at acme rockets", Value: "x"}, domain.ENOTFOUND},
		{"an empty answer", b.user.ID, tasks.AnswerInput{Key: "why do you want to work at acme rockets", Value: "  "}, domain.EINVALID},
		{"neither key nor label", b.user.ID, tasks.AnswerInput{Value: "x"}, domain.EINVALID},
		{"a profile field forms do not ask", b.user.ID, tasks.AnswerInput{Key: "profile:password", Value: "x"}, domain.EINVALID},
		{"a document question", b.user.ID, tasks.AnswerInput{Key: "document:resume", Value: "x"}, domain.EINVALID},
	} {
		_, err := b.svc.Answer(ctx, tc.user, tc.in, "test")
		require.Equal(t, tc.code, domain.ErrorCode(err), "%s: %v", tc.name, err)
	}
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM answers`), "nothing filed")
	require.Equal(t, domain.StatePaused, pgtest.MustTaskState(t, b.db, mustTaskID(t, b)), "the task still waits")
}

func mustTaskID(t *testing.T, b *bundle) domain.ID {
	t.Helper()
	var id domain.ID
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT id FROM application_tasks WHERE user_id = $1`, b.user.ID).Scan(&id))
	return id
}

// TestApproval_ARunsOwnWindow: a run's approval requests stay open for
// its own TTL rather than the default.
func TestApproval_ARunsOwnWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	run, err := b.svc.CreateRun(ctx, b.user.ID, domain.RunCreate{Name: "review in batches", RequiresApproval: true, ApprovalTTL: 8 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, 8*time.Hour, run.ApprovalTTL)
	id := taskstest.MustAdd(t, b.db, b.user, run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	work(t, b, b.svc, id)
	var open time.Duration
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - created_at)::bigint * interval '1 second' FROM approval_requests WHERE task_id = $1`, id).Scan(&open))
	require.InDelta(t, (8 * time.Hour).Seconds(), open.Seconds(), 2)

	_, err = b.svc.CreateRun(ctx, b.user.ID, domain.RunCreate{Name: "too long", ApprovalTTL: 30 * 24 * time.Hour})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
}

// answeredForms answers formQuestions (the visa question "No", the
// why-us question why) and returns a run that asks for approval and n
// postings with the form.
func answeredForms(t *testing.T, b *bundle, why string, n int) (*domain.Run, []domain.ID) {
	t.Helper()
	answer(t, b, map[string]string{"will you now or in the future require visa sponsorship": "No", "why do you want to work at acme rockets": why})
	run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true})
	jobs := pgtest.MustJobs(t, b.db, b.user, n)
	withForm(t, b, formQuestions(), jobs...)
	return run, jobs
}

// TestApprove_TheEditedFormIsWhatIsSent: the user edits a value while
// approving; the request records what changed, the continuation sends the
// edited form, and the edit is filed in the library when asked. An edit
// that empties a required field is refused and decides nothing.
func TestApprove_TheEditedFormIsWhatIsSent(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	run, job := answeredForms(t, b, "Rockets.", 1)
	id := taskstest.MustAdd(t, b.db, b.user, run, job).Queued[0].TaskID
	work(t, b, b.svc, id)
	require.Equal(t, domain.StateAwaitingApproval, mustTask(t, b, id).State, mustTask(t, b, id).LastError)
	a, err := b.db.ApprovalLatestForTask(ctx, id)
	require.NoError(t, err)
	key := postgres.ApprovalKey{ID: a.ID, UserID: b.user.ID}

	_, err = b.svc.Approve(ctx, key, tasks.ApprovalEdits{Edits: []domain.FormEdit{{Field: "first_name", Value: ""}}}, "test")
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err))
	require.Equal(t, domain.StateAwaitingApproval, pgtest.MustTaskState(t, b.db, id), "a refused edit decides nothing")

	approved, err := b.svc.Approve(ctx, key, tasks.ApprovalEdits{SaveToLibrary: true, Edits: []domain.FormEdit{
		{Field: "question_2", Value: "Because rockets."}, {Field: "question_1", Value: "Yes"}}}, domain.UserActor(b.user.ID))
	require.NoError(t, err)
	require.Equal(t, []domain.Edit{
		{Field: "question_2", Label: "Why do you want to work at Acme Rockets?", Before: "Rockets.", After: "Because rockets."},
		{Field: "question_1", Label: "Will you now or in the future require visa sponsorship?", Before: "No", After: "Yes"},
	}, approved.Edits)
	task := mustTask(t, b, id)
	require.Equal(t, domain.StateApproved, task.State)
	require.Equal(t, domain.ReasonApprovedWithEdits, task.StateReason)

	next, err := b.svc.ContinueApproved(ctx, id, nil, tasks.Lease{Token: domain.NewID(), Owner: "test"}, "notification")
	require.NoError(t, err)
	require.NotNil(t, next.Submit)
	f := next.Submit.Packet.Form.Field("question_2")
	require.Equal(t, "Because rockets.", f.Value, "the edited form is what is sent")
	require.Equal(t, domain.SourceUserEdit, f.Source)
	require.Equal(t, "1", next.Submit.Packet.Form.Field("question_1").Value)

	saved, err := b.db.AnswerByKey(ctx, b.user.ID, "why do you want to work at acme rockets")
	require.NoError(t, err)
	require.Equal(t, "Because rockets.", saved.Value, "filed in the library as asked")
	visa, err := b.db.AnswerByKey(ctx, b.user.ID, "will you now or in the future require visa sponsorship")
	require.NoError(t, err)
	require.Equal(t, "Yes", visa.Value, "a choice is filed under its label")
}

// TestApprove_AnUntouchedFormIsNoEdit: approving a form sent back as it
// was shown — a textarea's CRLF line endings, a choice by its label, a
// cover letter with CRLF — records no edit and approves as prepared
// (not approved_with_edits); a real change among them is the only edit.
func TestApprove_AnUntouchedFormIsNoEdit(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	run, jobs := answeredForms(t, b, "Rockets.\nAnd more rockets.", 2)
	approve := func(job domain.ID, edits []domain.FormEdit) (*domain.Approval, *domain.Task) {
		t.Helper()
		id := taskstest.MustAdd(t, b.db, b.user, run, []domain.ID{job}).Queued[0].TaskID
		work(t, b, b.svc, id)
		a, err := b.db.ApprovalLatestForTask(ctx, id)
		require.NoError(t, err)
		approved, err := b.svc.Approve(ctx, postgres.ApprovalKey{ID: a.ID, UserID: b.user.ID}, tasks.ApprovalEdits{Edits: edits}, domain.UserActor(b.user.ID))
		require.NoError(t, err)
		return approved, mustTask(t, b, id)
	}
	asShown := []domain.FormEdit{
		{Field: "question_2", Value: "Rockets.\r\nAnd more rockets.\r\n"},
		{Field: "question_1", Value: "No"},
		{Field: "first_name", Value: " Ada "},
	}
	approved, task := approve(jobs[0], asShown)
	require.Empty(t, approved.Edits, "nothing changed")
	require.Equal(t, domain.StateApproved, task.State)
	require.Equal(t, domain.Reason(""), task.StateReason, "approved as prepared, not with edits")
	var packet domain.Packet
	require.NoError(t, json.Unmarshal(approved.Packet, &packet))
	require.Equal(t, domain.SourceLibrary, packet.Form.Field("question_2").Source, "the field stays as prepared")
	require.Equal(t, "Rockets.\nAnd more rockets.", packet.Form.Field("question_2").Value)

	approved, task = approve(jobs[1], append(asShown, domain.FormEdit{Field: "question_1", Value: "Yes"}))
	require.Equal(t, []domain.Edit{{Field: "question_1", Label: "Will you now or in the future require visa sponsorship?", Before: "No", After: "Yes"}},
		approved.Edits)
	require.Equal(t, domain.ReasonApprovedWithEdits, task.StateReason)
}

// TestNotices_WhatNeedsTheUserIsNoticedForTheDigest: requesting an
// approval, pausing for answers, an unknown submission outcome and a
// completed run each add a notice, with one digest job per user, in the
// transaction of the change.
func TestNotices_WhatNeedsTheUserIsNoticedForTheDigest(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	kinds := func() map[string]int {
		rows, err := b.db.Pool.Query(ctx, `SELECT kind, count(*)::int FROM notices WHERE user_id = $1 GROUP BY kind`, b.user.ID)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			require.NoError(t, rows.Scan(&k, &n))
			out[k] = n
		}
		return out
	}
	approval := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true})
	work(t, b, b.svc, taskstest.MustAdd(t, b.db, b.user, approval, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID)
	job := pgtest.MustJobs(t, b.db, b.user, 1)
	withForm(t, b, formQuestions(), job...)
	work(t, b, b.svc, taskstest.MustAdd(t, b.db, b.user, b.run, job).Queued[0].TaskID)
	require.Equal(t, map[string]int{"approval_waiting": 1, "questions_waiting": 1}, kinds())
	var subject string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT subject FROM notices WHERE kind = 'approval_waiting'`).Scan(&subject))
	require.Equal(t, "Company 0 — Engineer", subject)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM river_job WHERE kind = 'notice_digest'`), "one digest per user")

	// A submission whose outcome is unknown needs its user.
	plain := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{})
	id := taskstest.MustAdd(t, b.db, b.user, plain, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	next := work(t, b, b.svc, id)
	require.NotNil(t, next.Submit)
	require.NoError(t, b.svc.RecordOutcome(ctx, next.Submit, domain.OutcomeUnknown, errors.New("timeout after the request went out")))
	require.Equal(t, 1, kinds()["needs_you"])

	// A run whose tasks are all settled completes, noticed.
	_, err := b.db.Pool.Exec(ctx, `UPDATE application_tasks SET state = 'cancelled' WHERE run_id = $1`, plain.ID)
	require.NoError(t, err)
	n, err := b.svc.CompleteRuns(ctx, 10)
	require.NoError(t, err)
	require.Positive(t, n)
	require.Equal(t, 1, kinds()["run_completed"])
}

// TestPacket_CarriesTheDocumentVersionAndDeletingItChangesNothing: a
// packet records exactly which document it carried (id, name, sha256);
// deleting the document afterwards keeps its bytes (a sent packet carries
// it) and changes nothing the packet shows.
func TestPacket_CarriesTheDocumentVersionAndDeletingItChangesNothing(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	blobs, err := blob.Open(ctx, "mem://")
	require.NoError(t, err)
	docs := documents.New(documents.Options{Pool: b.db.Pool, Blobs: blobs})
	pdf := documentstest.PDF("Ada Lovelace, analyst")
	doc, err := docs.Upload(ctx, b.user.ID, "resume", "CV", "ada.pdf", bytes.NewReader(pdf))
	require.NoError(t, err)

	id := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	next := work(t, b, b.svc, id)
	require.NotNil(t, next.Submit)
	require.Equal(t, []domain.FormFile{{DocumentID: doc.ID, Kind: "resume", Name: "CV", Filename: doc.Filename,
		ContentType: "application/pdf", Size: int64(len(pdf)), SHA256: doc.SHA256}}, next.Submit.Packet.Documents)
	require.NoError(t, b.svc.RecordOutcome(ctx, next.Submit, domain.OutcomeSubmitted, nil))
	stored := func() []byte {
		var p []byte
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT packet FROM application_tasks WHERE id = $1`, id).Scan(&p))
		return p
	}
	before := stored()

	require.NoError(t, docs.Delete(ctx, b.user.ID, doc.ID))
	require.JSONEq(t, string(before), string(stored()), "the sent packet shows what it showed")
	ok, err := blobs.Exists(ctx, doc.BlobKey)
	require.NoError(t, err)
	require.True(t, ok, "the bytes a sent packet carried are kept")
	r, got, err := docs.OpenForApplication(ctx, b.user.ID, doc.ID)
	require.NoError(t, err)
	defer r.Close()
	body, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, pdf, body)
	require.NotNil(t, got.DeletedAt)

	// The next application carries no résumé (the user has none now).
	id2 := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	next = work(t, b, b.svc, id2)
	require.NotNil(t, next.Submit)
	require.Empty(t, next.Submit.Packet.Documents)
}

// TestRecordOutcome_NeedsUserPausesWithTheEvidence: an applier that stops
// before submitting because the form needs a person (a CAPTCHA) pauses the
// task needs_user with the form's words, keeps its screenshot with the
// task, and notices the user; a submission keeps its screenshots too.
func TestRecordOutcome_NeedsUserPausesWithTheEvidence(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	blobs, err := blob.Open(ctx, "mem://")
	require.NoError(t, err)
	svc := taskstest.MustService(t, b.db, tasks.Options{Evidence: blobs, ApplierFor: func(p domain.Platform) string { return "browser" }})
	id := taskstest.MustAdd(t, b.db, b.user, b.run, pgtest.MustJobs(t, b.db, b.user, 1)).Queued[0].TaskID
	next := work(t, b, svc, id)
	require.NotNil(t, next.Submit)
	require.Equal(t, "browser", next.Submit.Packet.Applier, "the packet names its applier")

	shot := domain.Evidence{Kind: domain.EvidenceNeedsUser, ContentType: "image/png", Data: []byte("\x89PNG a captcha")}
	applyErr := &domain.NeedsUserError{Why: "a CAPTCHA", Evidence: []domain.Evidence{shot}}
	require.NoError(t, svc.RecordOutcome(ctx, next.Submit, domain.ClassifyApply(applyErr, false), applyErr, domain.EvidenceOf(domain.ApplyResult{}, applyErr)...))
	task := mustTask(t, b, id)
	require.Equal(t, domain.StatePaused, task.State)
	require.Equal(t, domain.ReasonNeedsUser, task.StateReason)
	require.Contains(t, task.LastError, "a CAPTCHA")
	ev, err := b.db.Evidence(ctx, b.user.ID, id)
	require.NoError(t, err)
	require.Len(t, ev, 1)
	require.Equal(t, domain.EvidenceNeedsUser, ev[0].Kind)
	require.Equal(t, "browser", ev[0].Applier)
	r, err := blobs.Get(ctx, ev[0].BlobKey)
	require.NoError(t, err)
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, shot.Data, data)
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM notices WHERE kind = 'needs_you' AND task_id = $1`, id))

	// Another user sees none of it.
	other := pgtest.MustUser(t, b.db, pgtest.UserOpts{})
	ev, err = b.db.Evidence(ctx, other.ID, id)
	require.NoError(t, err)
	require.Empty(t, ev)
}

// TestPace_PlatformAndEmployerRates: submissions a platform's applier
// makes count against the platform's and the employer's rates, shared by
// every worker through Postgres; over one, the task waits in queued
// (platform_pacing) and its job sleeps until the window frees.
func TestPace_PlatformAndEmployerRates(t *testing.T) {
	t.Parallel()
	b := setupForms(t)
	ctx := context.Background()
	svc := taskstest.MustService(t, b.db, tasks.Options{Pace: func(p *domain.Packet) []domain.RateLimit {
		if p.Platform != domain.PlatformGreenhouse {
			return nil
		}
		return []domain.RateLimit{{Key: "apply:greenhouse", Limit: 5, Window: time.Minute},
			{Key: "apply:greenhouse:" + p.Board, Limit: 1, Window: time.Hour}}
	}})
	jobs := pgtest.MustJobs(t, b.db, b.user, 3)
	for i, id := range jobs {
		_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET canonical_key = $2 WHERE id = $1`, id, fmt.Sprintf("greenhouse:acme:%d", 100+i))
		require.NoError(t, err)
	}
	res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
	next := work(t, b, svc, res.Queued[0].TaskID)
	require.NotNil(t, next.Submit, "the employer's first submission of the hour goes")
	require.Equal(t, "acme", next.Submit.Packet.Board)

	task, err := b.db.TaskGet(ctx, b.user.ID, res.Queued[1].TaskID)
	require.NoError(t, err)
	claimed, err := svc.Claim(ctx, jobFor(task), tasks.Lease{Token: domain.NewID(), Owner: "test"})
	require.NoError(t, err)
	require.NotNil(t, claimed.Prepare, "a paced task is claimed alone, then prepared")
	_, err = svc.Prepare(ctx, claimed.Prepare)
	var snooze *river.JobSnoozeError
	require.ErrorAs(t, err, &snooze)
	require.Positive(t, snooze.Duration)
	require.LessOrEqual(t, snooze.Duration, 72*time.Minute, "until the employer's hour frees (fixed, aligned windows), jittered by at most a fifth")
	task = mustTask(t, b, res.Queued[1].TaskID)
	require.Equal(t, domain.StateQueued, task.State)
	require.Equal(t, domain.ReasonPlatformPacing, task.StateReason)
	require.Contains(t, task.LastError, "pacing submissions to greenhouse")
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT count(*) FROM application_tasks WHERE state = 'submitting'`))
	require.Equal(t, 1, pgtest.MustCount(t, b.db, `SELECT used FROM daily_usage WHERE user_id = $1`, b.user.ID), "a paced task uses no daily slot")
}

// TestPace_AThrottledPlatformBacksOffEveryWorker: when a platform answers
// "too many" (domain.ErrThrottled), the task is retried as any not-sent
// one, and the rest of the platform's pacing window is spent in Postgres:
// the next submission to that platform, by any worker, waits for the
// window to end. A plain not-sent answer spends nothing.
func TestPace_AThrottledPlatformBacksOffEveryWorker(t *testing.T) {
	t.Parallel()
	for _, throttled := range []bool{false, true} {
		t.Run(fmt.Sprint("throttled=", throttled), func(t *testing.T) {
			t.Parallel()
			b := setupForms(t)
			ctx := context.Background()
			svc := taskstest.MustService(t, b.db, tasks.Options{MaxAttempts: 5, Pace: func(p *domain.Packet) []domain.RateLimit {
				return []domain.RateLimit{{Key: domain.PlatformRateKey(p.Platform), Limit: 5, Window: time.Minute},
					{Key: domain.EmployerRateKey(p.Platform, p.Board), Limit: 5, Window: time.Hour}}
			}})
			jobs := pgtest.MustJobs(t, b.db, b.user, 2)
			for i, id := range jobs { // two employers: only the platform's rate is shared
				_, err := b.db.Pool.Exec(ctx, `UPDATE job_postings SET canonical_key = $2 WHERE id = $1`, id, fmt.Sprintf("greenhouse:acme%d:%d", i, 100+i))
				require.NoError(t, err)
			}
			res := taskstest.MustAdd(t, b.db, b.user, b.run, jobs)
			next := work(t, b, svc, res.Queued[0].TaskID)
			require.NotNil(t, next.Submit)
			cause := fmt.Errorf("greenhouse answered 429: %w", domain.ErrNotSent)
			if throttled {
				cause = fmt.Errorf("greenhouse answered 429: %w: %w", domain.ErrThrottled, domain.ErrNotSent)
			}
			err := svc.RecordOutcome(ctx, next.Submit, domain.ClassifyApply(cause, false), cause)
			require.ErrorIs(t, err, cause, "River retries the job")
			require.Equal(t, domain.StateQueued, mustTask(t, b, res.Queued[0].TaskID).State)

			task := mustTask(t, b, res.Queued[1].TaskID)
			claimed, err := svc.Claim(ctx, jobFor(task), tasks.Lease{Token: domain.NewID(), Owner: "another worker"})
			require.NoError(t, err)
			require.NotNil(t, claimed.Prepare)
			next, err = svc.Prepare(ctx, claimed.Prepare)
			if !throttled {
				require.NoError(t, err)
				require.NotNil(t, next.Submit, "a plain not-sent answer does not hold the platform back")
				return
			}
			var snooze *river.JobSnoozeError
			require.ErrorAs(t, err, &snooze)
			require.Positive(t, snooze.Duration)
			require.LessOrEqual(t, snooze.Duration, 72*time.Second, "until the platform's minute ends, jittered")
			task = mustTask(t, b, res.Queued[1].TaskID)
			require.Equal(t, domain.StateQueued, task.State)
			require.Equal(t, domain.ReasonPlatformPacing, task.StateReason)
		})
	}
}

// TestApprove_TheEditedCoverLetterIsWhatIsSent: wherever the cover letter
// goes — the packet's own letter (no form), a text field of the form, a
// file field that takes the letter as text — the letter the user edits
// while approving is what the applier is handed, in the field and in the
// packet's letter alike.
func TestApprove_TheEditedCoverLetterIsWhatIsSent(t *testing.T) {
	t.Parallel()
	first := domain.Question{Field: "first_name", Label: "First Name", Kind: domain.QuestionText, Required: true, Section: domain.SectionStandard}
	for name, tc := range map[string]struct {
		questions []domain.Question
		field     string // the form field that sends the letter; "" none
	}{
		"no form":      {},
		"text field":   {questions: []domain.Question{first, {Field: "question_9", Label: "Cover letter", Kind: domain.QuestionTextarea, Section: domain.SectionCustom}}, field: "question_9"},
		"file as text": {questions: []domain.Question{first, {Field: "cover_letter", Label: "Cover Letter", Kind: domain.QuestionFile, Section: domain.SectionStandard}}, field: "cover_letter"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupForms(t)
			ctx := context.Background()
			run := pgtest.MustRun(t, b.db, b.user, pgtest.RunOpts{RequiresApproval: true, Template: "Dear {{.company}},\nI would like to apply."})
			jobs := pgtest.MustJobs(t, b.db, b.user, 1)
			if tc.questions != nil {
				withForm(t, b, tc.questions, jobs...)
			}
			id := taskstest.MustAdd(t, b.db, b.user, run, jobs).Queued[0].TaskID
			work(t, b, b.svc, id)
			require.Equal(t, domain.StateAwaitingApproval, mustTask(t, b, id).State, mustTask(t, b, id).LastError)
			a, err := b.db.ApprovalLatestForTask(ctx, id)
			require.NoError(t, err)

			const edited = "Dear hiring team,\n\nI build rockets, and I would like to build yours."
			edit := domain.FormEdit{Field: "cover_letter", Value: edited}
			if tc.field != "" {
				edit.Field = tc.field
			}
			approved, err := b.svc.Approve(ctx, postgres.ApprovalKey{ID: a.ID, UserID: b.user.ID}, tasks.ApprovalEdits{Edits: []domain.FormEdit{edit}}, domain.UserActor(b.user.ID))
			require.NoError(t, err)
			require.Len(t, approved.Edits, 1)
			require.Equal(t, edited, approved.Edits[0].After)

			next, err := b.svc.ContinueApproved(ctx, id, nil, tasks.Lease{Token: domain.NewID(), Owner: "test"}, "notification")
			require.NoError(t, err)
			require.NotNil(t, next.Submit)
			sent := next.Submit.Packet
			require.Equal(t, edited, sent.CoverLetter, "the packet's letter is the edited one")
			if tc.field != "" {
				f := sent.Form.Field(tc.field)
				require.Equal(t, edited, f.Value, "the form sends the edited letter")
				require.Nil(t, f.File)
				require.Equal(t, domain.SourceUserEdit, f.Source)
			}
		})
	}
}
