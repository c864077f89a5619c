package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/dealdesk/dealdesk"
)

// Password length limits: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 12
	MaxPasswordBytes  = 72
)

// noUserHash returns a hash to compare against when no user matches, so a wrong email costs as
// much time as a wrong password.
func (db *DB) noUserHash() []byte {
	db.dummyHashOnce.Do(func() {
		db.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("dealdesk-no-such-user"), db.passwordCost)
	})
	return db.dummyHash
}

// CreateUser creates a user in orgID with a bcrypt-hashed password. Emails are compared in lower
// case and unique within an organization (migration 0003): the same address may sign in to
// several organizations, and a taken email says nothing about other organizations' users.
func (db *DB) CreateUser(ctx context.Context, orgID, email, name, password string) (*dealdesk.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var p dealdesk.Problems
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 || !dealdesk.ValidText(email) {
		p.Add("email", "must be an email address such as ana@example.com")
	}
	p.CheckText("name", name, 0, 200)
	checkPassword(&p, password)
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), db.passwordCost)
	if err != nil {
		return nil, err
	}
	now := db.now()
	u := &dealdesk.User{ID: dealdesk.NewID(dealdesk.PrefixUser, now), OrgID: orgID, Email: email, Name: name, CreatedAt: now}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := findOrganization(ctx, tx, orgID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, org_id, email, name, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.OrgID, u.Email, u.Name, string(hash), db.dialect.timeArg(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// AuthenticateUser returns the user whose email and password match, else EUNAUTHORIZED. An
// email may belong to users of several organizations (one row each): the password is compared
// with each of their hashes, and it must match exactly one, since nothing else tells which
// organization is meant.
func (db *DB) AuthenticateUser(ctx context.Context, email, password string) (*dealdesk.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var users []*dealdesk.User
	var hashes []string
	if dealdesk.ValidText(email) {
		var err error
		users, err = queryRows(ctx, db.db, func(s rowScanner) (*dealdesk.User, error) {
			u := &dealdesk.User{}
			var hash string
			if err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &hash, timeCol{&u.CreatedAt}); err != nil {
				return nil, err
			}
			hashes = append(hashes, hash)
			return u, nil
		}, `SELECT id, org_id, email, name, password_hash, created_at FROM users WHERE email = $1 ORDER BY id`, email)
		if err != nil {
			return nil, err
		}
	}
	if len(users) == 0 {
		_ = bcrypt.CompareHashAndPassword(db.noUserHash(), []byte(password))
		return nil, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "Wrong email or password.")
	}
	var match []*dealdesk.User
	for i, u := range users {
		if bcrypt.CompareHashAndPassword([]byte(hashes[i]), []byte(password)) == nil {
			match = append(match, u)
		}
	}
	switch len(match) {
	case 0:
		return nil, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "Wrong email or password.")
	case 1:
		return match[0], nil
	}
	return nil, dealdesk.Errorf(dealdesk.EUNAUTHORIZED,
		"This email and password belong to users of %d organizations: give each user another password.", len(match))
}

// userColumns are the columns scanUser reads: never the password hash.
const userColumns = `id, org_id, email, name, created_at, sessions_ended_at`

// scanUser scans the userColumns of a row.
func scanUser(s rowScanner) (*dealdesk.User, error) {
	u := &dealdesk.User{}
	return u, s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, timeCol{&u.CreatedAt}, nullTimeCol{&u.SessionsEndedAt})
}

// FindUsers lists the users of the caller's organization, newest first, and the next page's
// cursor. The password hash is never read.
func (db *DB) FindUsers(ctx context.Context, f dealdesk.UserFilter) ([]*dealdesk.User, string, error) {
	return findOrgPage(ctx, db, `SELECT `+userColumns+` FROM users`, dealdesk.PrefixUser, f.Cursor, f.Limit,
		scanUser, func(u *dealdesk.User) string { return u.ID })
}

// FindUserByID returns the user id of the caller's organization; ENOTFOUND for another
// organization's user or none. One lookup by primary key: the console makes it on every request
// of a signed-in session.
func (db *DB) FindUserByID(ctx context.Context, id string) (*dealdesk.User, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("user", id)
	}
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", id)
	}
	return u, db.mapError(err)
}

// EndUserSessions sets the user's sessions_ended_at to now: the console refuses every session
// of the user signed in before it. ENOTFOUND for another organization's user or none.
func (db *DB) EndUserSessions(ctx context.Context, id string) (*dealdesk.User, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("user", id)
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.User, error) {
		u, err := scanUser(tx.QueryRowContext(ctx, `UPDATE users SET sessions_ended_at = $1 WHERE org_id = $2 AND id = $3
			RETURNING `+userColumns, db.dialect.timeArg(db.now()), orgID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("user", id)
		}
		return u, err
	})
}

// RemoveUser deletes the user id of the caller's organization, unless it is the last one
// (ECONFLICT). The organization's row is locked first, so that two removals at once cannot
// leave it without a user between them. ENOTFOUND for another organization's user or none.
func (db *DB) RemoveUser(ctx context.Context, id string) error {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return err
	}
	if !dealdesk.ValidText(id) {
		return notFound("user", id)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var locked string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE id = $1`+db.dialect.forUpdate, orgID).Scan(&locked); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE org_id = $1`, orgID).Scan(&n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE org_id = $1 AND id = $2`, orgID, id)
		if err != nil {
			return err
		}
		if gone, err := res.RowsAffected(); err != nil {
			return err
		} else if gone == 0 {
			return notFound("user", id)
		}
		if n <= 1 {
			return dealdesk.Errorf(dealdesk.ECONFLICT, "The user %q is your organization's last: add another user before removing it.", id)
		}
		return nil
	})
}

// checkPassword adds a problem for a password shorter than MinPasswordLength characters or
// longer than MaxPasswordBytes bytes.
func checkPassword(p *dealdesk.Problems, password string) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		p.Add("password", "must be at least %d characters", MinPasswordLength)
	} else if len(password) > MaxPasswordBytes {
		p.Add("password", "must be at most %d bytes", MaxPasswordBytes)
	}
}

// SetUserPassword replaces the password of the user of orgID whose email is email (compared in
// lower case) with a new bcrypt hash. Returns EINVALID naming a bad password and ENOTFOUND when
// the organization has no such user.
func (db *DB) SetUserPassword(ctx context.Context, orgID, email, password string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	var p dealdesk.Problems
	checkPassword(&p, password)
	if err := p.Err(); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), db.passwordCost)
	if err != nil {
		return err
	}
	res, err := db.db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE org_id = $2 AND email = $3`,
		string(hash), orgID, email)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return dealdesk.Errorf(dealdesk.ENOTFOUND, "No user with this email in the organization.")
	}
	return nil
}
