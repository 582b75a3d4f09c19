package tasks

import (
	"context"
	"errors"
	"slices"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// What a packet is built from, besides the task, run, job and user: the
// documents it carries — the run's choice, else the user's default of the
// kind — and, for a posting whose form is known, the user's answer
// library.

// errDocumentGone fails a packet write when a document it carries was
// deleted meanwhile: the task is prepared again, with what is there now.
var errDocumentGone = errors.New("a document the packet carries was deleted meanwhile")

// documentSet is the documents of a batch's users, by id.
type documentSet []*domain.Document

func (s *Service) documentsFor(ctx context.Context, users []domain.ID, runs []*domain.Run) (documentSet, error) {
	var chosen []domain.ID
	for _, r := range runs {
		for _, id := range []*domain.ID{r.ResumeDocumentID, r.CoverLetterDocumentID} {
			if id != nil {
				chosen = append(chosen, *id)
			}
		}
	}
	slices.SortFunc(users, domain.ID.Compare)
	return s.store.DocumentsForApplications(ctx, slices.Compact(users), chosen)
}

// pick returns the document of kind run's applications by user carry: the
// run's choice, or the user's default. A choice that is gone (deleted) is
// an EINVALID error telling the user to choose again.
func (ds documentSet) pick(user domain.ID, run *domain.Run, kind domain.DocumentKind) (*domain.FormFile, error) {
	chosen := run.ResumeDocumentID
	if kind == domain.DocumentCoverLetter {
		chosen = run.CoverLetterDocumentID
	}
	for _, d := range ds {
		if d.UserID != user || d.Kind != kind {
			continue
		}
		if (chosen != nil && d.ID == *chosen) || (chosen == nil && d.IsDefault) {
			return &domain.FormFile{DocumentID: d.ID, Kind: string(d.Kind), Name: d.Name, Filename: d.Filename,
				ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256}, nil
		}
	}
	if chosen != nil {
		return nil, domain.Errorf(domain.EINVALID, "the run's %s was deleted: choose another for the run (PATCH /api/v1/runs/{id}) and resume the task",
			map[domain.DocumentKind]string{domain.DocumentResume: "résumé", domain.DocumentCoverLetter: "cover letter"}[kind])
	}
	return nil, nil
}

// documents picks the résumé and cover letter run's applications by user
// carry.
func (ds documentSet) documents(user domain.ID, run *domain.Run) (domain.PacketMaterials, error) {
	var m domain.PacketMaterials
	var err error
	if m.Resume, err = ds.pick(user, run, domain.DocumentResume); err != nil {
		return m, err
	}
	m.CoverLetterFile, err = ds.pick(user, run, domain.DocumentCoverLetter)
	return m, err
}

// packetMaterials picks app's documents from ds and, when its posting's
// form is known (published, or read by the browser), loads the user's
// answer library with the task's own answers (for this application only)
// before it.
func (s *Service) packetMaterials(ctx context.Context, app *postgres.Application, ds documentSet) (domain.PacketMaterials, error) {
	m, err := ds.documents(app.User.ID, app.Run)
	if err != nil {
		return m, err
	}
	m.ApplierFor = s.o.ApplierFor
	if app.Job.FormQuestions() != nil {
		answers, err := s.store.Answers(ctx, app.User.ID)
		if err != nil {
			return m, err
		}
		own, err := s.store.TaskAnswers(ctx, app.Task.ID) // for this application only
		if err != nil {
			return m, err
		}
		m.Library = domain.NewLibrary(answers).ForTask(own)
	}
	return m, nil
}

// lockDocuments holds the documents packets carry while they are written
// (a delete then waits, and sees the packets), or returns errDocumentGone.
func lockDocuments(ctx context.Context, t *txn, packets ...*domain.Packet) error {
	var ids []domain.ID
	for _, p := range packets {
		for _, d := range p.Documents {
			ids = append(ids, d.DocumentID)
		}
	}
	slices.SortFunc(ids, domain.ID.Compare)
	ids = slices.Compact(ids)
	n, err := t.st.DocumentsLockForPacket(ctx, ids)
	if err == nil && n < len(ids) {
		err = errDocumentGone
	}
	return err
}
