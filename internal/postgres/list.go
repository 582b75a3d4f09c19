package postgres

import (
	"strconv"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// keyset is the sort order of a keyset-paginated list, which its cursors
// follow: optionally priority descending (claim order), then a time column
// and the id, both descending or both ascending.
type keyset struct {
	kind     string // the cursor's kind: a cursor of another list is refused
	priority bool   // priority DESC first (the claim order)
	time     string // the time column
	desc     bool   // time and id descending
	// lead, when set, is an SQL expression sorted first, ascending: an
	// integer (the cursor's Priority) or, leadText, text (its Key).
	lead     string
	leadText bool
}

// The orderings of the store's lists.
var (
	jobsNewest      = keyset{kind: "jobs", time: "created_at", desc: true}
	jobsByCompany   = keyset{kind: "jobs_company", time: "created_at", desc: true, lead: jobCompanyKey, leadText: true}
	jobsByStage     = keyset{kind: "jobs_stage", time: "created_at", desc: true, lead: "job_stage_rank(" + jobStage + ")"}
	runsNewest      = keyset{kind: "runs", time: "created_at", desc: true}
	approvalsNewest = keyset{kind: "approvals", time: "created_at", desc: true}
	tasksChanged    = keyset{kind: "tasks", time: "updated_at", desc: true}
	tasksClaim      = keyset{kind: "claim", priority: true, time: "queued_at"}
)

func (k keyset) orderBy() string {
	dir := " ASC"
	if k.desc {
		dir = " DESC"
	}
	o := k.time + dir + ", id" + dir
	if k.priority {
		o = "priority DESC, " + o
	}
	if k.lead != "" {
		o = k.lead + " ASC, " + o
	}
	return o
}

// listQuery builds one page of a dynamic list: conditions ANDed with
// numbered placeholders, the keyset condition of the cursor, and limit+1
// rows, the extra one telling whether a next page exists.
//
//	q, err := newListQuery(jobsNewest, f.Cursor, f.Limit)
//	q.Where("user_id = " + q.Arg(userID))
//	sql, args := q.SQL(`SELECT … FROM job_postings`)
//	… collect rows …
//	rows, next := nextPage(q, rows, func(j *domain.JobPosting) domain.Cursor { … })
type listQuery struct {
	keys   keyset
	cursor *domain.Cursor
	limit  int
	conds  []string
	args   []any
}

// newListQuery starts a page of a list ordered by keys, after cursor (the
// next cursor of the previous page; "" for the first page; EINVALID when
// malformed or of another list), of at most limit rows (pageSize bounds).
func newListQuery(keys keyset, cursor string, limit int) (*listQuery, error) {
	c, err := domain.DecodeCursor(cursor, keys.kind)
	if err != nil {
		return nil, err
	}
	return &listQuery{keys: keys, cursor: c, limit: pageSize(limit)}, nil
}

// Arg adds a value and returns its placeholder ($n).
func (q *listQuery) Arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// Where adds a condition; placeholders in it come from Arg.
func (q *listQuery) Where(cond string) {
	q.conds = append(q.conds, cond)
}

// SQL returns selectFrom ("SELECT … FROM …", no WHERE) with the conditions,
// the cursor's keyset condition, the order and the limit, and its
// arguments. Call it once.
func (q *listQuery) SQL(selectFrom string) (string, []any) {
	if c := q.cursor; c != nil {
		cmp := ">"
		if q.keys.desc {
			cmp = "<"
		}
		after := "(" + q.keys.time + ", id) " + cmp + " (" + q.Arg(c.Time) + ", " + q.Arg(c.ID) + ")"
		if q.keys.priority {
			p := q.Arg(c.Priority)
			after = "(priority < " + p + " OR (priority = " + p + " AND " + after + "))"
		}
		if q.keys.lead != "" {
			var v string
			if q.keys.leadText {
				v = q.Arg(c.Key)
			} else {
				v = q.Arg(c.Priority)
			}
			after = "(" + q.keys.lead + " > " + v + " OR (" + q.keys.lead + " = " + v + " AND " + after + "))"
		}
		q.Where(after)
	}
	var b strings.Builder
	b.WriteString(selectFrom)
	for i, c := range q.conds {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString(c)
	}
	b.WriteString(" ORDER BY " + q.keys.orderBy() + " LIMIT " + q.Arg(q.limit+1))
	return b.String(), q.args
}

// nextPage trims rows, fetched with q's limit+1, to the page and returns
// the cursor of the next page ("" on the last one). key gives a row's sort
// key (Priority only for the claim order).
func nextPage[T any](q *listQuery, rows []T, key func(T) domain.Cursor) ([]T, string) {
	if len(rows) <= q.limit {
		return rows, ""
	}
	rows = rows[:q.limit]
	c := key(rows[q.limit-1])
	c.Kind = q.keys.kind
	return rows, c.Encode()
}

// pageSize bounds a requested page size (0 or less: the default).
func pageSize(limit int) int {
	if limit <= 0 {
		return domain.DefaultPageSize
	}
	return min(limit, domain.MaxPageSize)
}
