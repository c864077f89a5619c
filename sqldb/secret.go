package sqldb

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// secretBox encrypts the secrets the store keeps for organizations with AES-256-GCM under the
// server's key (Options.SecretKey). A sealed secret is a version byte (secretVersion), the
// 12-byte random nonce and the ciphertext with its 16-byte tag. The additional data binds it
// to what it is and to its organization, so a ciphertext copied into another organization's
// row, or into another kind of secret, does not decrypt (decision 014).
type secretBox struct{ aead cipher.AEAD }

// secretVersion marks the format of a sealed secret, so that a later one can be told apart.
const secretVersion = 1

// newSecretBox returns the box of key, nil for an empty key (no secrets can be kept), or an
// error for a key that is not 32 bytes long.
func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("sqldb: the secret key must be 32 bytes (AES-256), not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &secretBox{aead: aead}, nil
}

// secretData is the additional data of the secret named purpose of organization orgID.
func secretData(purpose, orgID string) []byte {
	return []byte("dealdesk/" + purpose + "/v1\x00" + orgID)
}

// seal encrypts plaintext, the secret named purpose of orgID.
func (b *secretBox) seal(purpose, orgID string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{secretVersion}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, secretData(purpose, orgID)), nil
}

// errSecretUnreadable is the error of a sealed secret that does not open: another key, another
// organization or purpose, or altered bytes. It never carries the secret.
var errSecretUnreadable = errors.New("sqldb: a stored secret cannot be decrypted: the server's secret key differs from the one it was stored with, or the row was altered")

// open decrypts sealed, the secret named purpose of orgID.
func (b *secretBox) open(purpose, orgID string, sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != secretVersion {
		return nil, errSecretUnreadable
	}
	plaintext, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], secretData(purpose, orgID))
	if err != nil {
		return nil, errSecretUnreadable
	}
	return plaintext, nil
}
