package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/dealdesk/dealdesk/sqldb"
)

// secretKeyBytes is the size of the server's secret key (AES-256).
const secretKeyBytes = 32

// defaultSecretKeyFile is where serve keeps its secret key without --secret-key-file: next to
// the SQLite file, named after it ("dealdesk.db.secret-key"). PostgreSQL has none (""): its
// replicas must share one key, which a file made by each on its own host would not be; without
// --secret-key-file they store no secret (decision 016).
func defaultSecretKeyFile(dsn string) string {
	if engine, err := sqldb.DSNEngine(dsn); err != nil || engine != sqldb.EngineSQLite {
		return ""
	}
	return strings.TrimPrefix(dsn, "file:") + ".secret-key"
}

// loadSecretKey reads the server's secret key from path: 64 hex digits (and an optional line
// break), or 32 raw bytes. A path that does not exist is made (mode 0600, never overwriting)
// with a new random key, in hex, and created is true. The key encrypts the secrets stored for
// organizations (sqldb.Options.SecretKey); losing it makes them unreadable.
func loadSecretKey(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, secretKeyBytes)
		_, _ = rand.Read(key) // crypto/rand does not fail
		if err := writeKeyFile(path, hex.EncodeToString(key)); err != nil {
			return nil, false, fmt.Errorf("the secret key file %s cannot be made: %w", path, err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("the secret key file %s cannot be read: %w", path, err)
	}
	if len(b) == secretKeyBytes {
		return b, false, nil
	}
	text := bytes.TrimRight(b, "\r\n")
	key = make([]byte, secretKeyBytes)
	if len(text) != 2*secretKeyBytes {
		return nil, false, fmt.Errorf("the secret key file %s must hold %d hex digits or %d raw bytes, not %d bytes", path, 2*secretKeyBytes, secretKeyBytes, len(b))
	}
	if _, err := hex.Decode(key, text); err != nil {
		return nil, false, fmt.Errorf("the secret key file %s must hold %d hex digits or %d raw bytes: it is not hex", path, 2*secretKeyBytes, secretKeyBytes)
	}
	return key, false, nil
}
