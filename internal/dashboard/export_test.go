package dashboard

import "github.com/applyq/applyq/internal/domain"

// Internals the external tests check.
var (
	ActorText  = actorText
	ReasonText = reasonText
	Until      = until
)

// HasReasonSentence reports whether reason has its own sentence.
func HasReasonSentence(reason domain.Reason) bool {
	_, ok := reasonSentences[reason]
	return ok
}
