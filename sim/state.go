package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	gojson "github.com/goccy/go-json"
)

// stateVersion is the version of the state file format.
const stateVersion = 1

// state is everything the simulator remembers; it is guarded by Server.mu. The metering ledger is
// append-only and its records are never modified, so a snapshot can share them.
type state struct {
	Entities   map[string]*Entity    `json:"entities"`
	ChangeSets map[string]*ChangeSet `json:"changeSets"`
	// Tokens maps account + "/" + ClientRequestToken to a change set id.
	Tokens     map[string]string     `json:"tokens"`
	Agreements map[string]*Agreement `json:"agreements"`
	Ledger     []*LedgerRecord       `json:"-"`
}

func newState() *state {
	return &state{
		Entities:   map[string]*Entity{},
		ChangeSets: map[string]*ChangeSet{},
		Tokens:     map[string]string{},
		Agreements: map[string]*Agreement{},
	}
}

// stateFile is the on-disk form of the state.
type stateFile struct {
	Version int             `json:"version"`
	SavedAt time.Time       `json:"savedAt"`
	Core    json.RawMessage `json:"core"`
	Ledger  []*LedgerRecord `json:"ledger"`
	Queues  json.RawMessage `json:"queues,omitempty"`
	Events  json.RawMessage `json:"events,omitempty"`
	// Faults and QuotasEnabled are what PUT /_sim/faults and PUT /_sim/quotas set; a
	// rehearsal that injected faults or switched quotas keeps them across a restart.
	Faults        *FaultConfig `json:"faults,omitempty"`
	QuotasEnabled *bool        `json:"quotasEnabled,omitempty"`
}

// markDirty asks the background saver to write the state soon; it never blocks.
func (s *Server) markDirty() {
	if s.cfg.StatePath == "" {
		return
	}
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// saveLoop writes the state after changes, at most once per SaveDelay, and never spending more
// than about a fifth of its time writing: a large ledger must not slow the metering hot path.
func (s *Server) saveLoop() {
	defer s.wg.Done()
	var lastWrite time.Duration
	for {
		select {
		case <-s.done:
			return
		case <-s.dirty:
		}
		t := time.NewTimer(max(s.cfg.SaveDelay, 4*lastWrite))
		select {
		case <-s.done:
			t.Stop()
			return
		case <-t.C:
		}
		began := time.Now()
		err := s.save()
		lastWrite = time.Since(began)
		if err != nil {
			s.log.Error("sim: saving state", "path", s.cfg.StatePath, "err", err)
		}
		if s.cfg.OnSave != nil {
			s.cfg.OnSave(err)
		}
	}
}

// snapshot returns the state file content. The lock is held only to marshal the small parts
// and to take the ledger's current length.
func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	core, err := json.Marshal(s.st)
	ledger := s.st.Ledger[:len(s.st.Ledger):len(s.st.Ledger)]
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	queues, err := s.sqs.Snapshot()
	if err != nil {
		return nil, err
	}
	events, err := s.bus.Snapshot()
	if err != nil {
		return nil, err
	}
	if ledger == nil {
		ledger = []*LedgerRecord{}
	}
	// goccy/go-json: the ledger can be large, and this runs beside the metering hot path.
	f := stateFile{Version: stateVersion, SavedAt: s.now(), Core: core, Ledger: ledger, Queues: queues, Events: events,
		QuotasEnabled: s.quotas.override()}
	if fc := s.faults.get(); len(fc.Operations) > 0 || fc.Seed != nil {
		f.Faults = &fc
	}
	return gojson.Marshal(f)
}

// save writes the state file atomically (writeFileAtomic).
func (s *Server) save() error {
	b, err := s.snapshot()
	if err != nil {
		return fmt.Errorf("snapshot state: %w", err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	return writeFileAtomic(s.cfg.StatePath, b)
}

// writeFileAtomic replaces path with b so that a crash leaves either the old file or the new
// one, never a mix: b goes to a temporary file in the same directory, which is fsynced, renamed
// over path, and then the directory is fsynced so that the rename itself is durable (rename(2)
// changes the directory, whose entry is otherwise only in the page cache).
func writeFileAtomic(path string, b []byte) error {
	return replaceFile(path, b, syncDir)
}

// replaceFile is writeFileAtomic with the directory sync given, so tests can watch it.
func replaceFile(path string, b []byte, syncDir func(dir string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("sync directory %s after writing %s: %w", dir, filepath.Base(path), err)
	}
	return nil
}

// syncDir fsyncs the directory dir.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// load restores the state file; a missing file is an empty state.
func (s *Server) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A new state file: its directory must exist, or every save would fail and the state be
		// lost at shutdown.
		dir := filepath.Dir(path)
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return fmt.Errorf("state file %s: its directory %s does not exist", path, dir)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("state file %s is not valid: %w", path, err)
	}
	if f.Version != stateVersion {
		return fmt.Errorf("state file %s has version %d; this simulator reads version %d", path, f.Version, stateVersion)
	}
	st := newState()
	if len(f.Core) > 0 {
		if err := json.Unmarshal(f.Core, st); err != nil {
			return fmt.Errorf("state file %s is not valid: %w", path, err)
		}
	}
	if st.Entities == nil {
		st.Entities = map[string]*Entity{}
	}
	if st.ChangeSets == nil {
		st.ChangeSets = map[string]*ChangeSet{}
	}
	if st.Tokens == nil {
		st.Tokens = map[string]string{}
	}
	if st.Agreements == nil {
		st.Agreements = map[string]*Agreement{}
	}
	st.Ledger = f.Ledger
	if err := st.check(); err != nil {
		return fmt.Errorf("state file %s is not valid: %w", path, err)
	}
	s.st = st
	if len(f.Queues) > 0 {
		if err := s.sqs.Restore(f.Queues); err != nil {
			return fmt.Errorf("state file %s: queues: %w", path, err)
		}
	}
	if len(f.Events) > 0 {
		if err := s.bus.Restore(f.Events); err != nil {
			return fmt.Errorf("state file %s: events: %w", path, err)
		}
	}
	if f.Faults != nil {
		if err := s.faults.set(*f.Faults, s.faultTargets()); err != nil {
			return fmt.Errorf("state file %s: faults: %w", path, err)
		}
	}
	if f.QuotasEnabled != nil {
		s.quotas.setEnabled(*f.QuotasEnabled)
	}
	return nil
}

// check refuses a state whose structure the simulator relies on is broken (missing records,
// an entity without its body), so that a damaged state file is an error at start, not a panic
// on a later call.
func (st *state) check() error {
	for id, e := range st.Entities {
		switch {
		case e == nil:
			return fmt.Errorf("entity %q is empty", id)
		case e.ID != id:
			return fmt.Errorf("entity %q is stored under id %q", e.ID, id)
		case e.Type == typeResaleAuthorization && e.RA == nil, e.Type == typeOffer && e.Offer == nil:
			return fmt.Errorf("%s %q has no details", e.Type, id)
		case e.Type != typeResaleAuthorization && e.Type != typeOffer:
			return fmt.Errorf("entity %q has unknown type %q", id, e.Type)
		}
	}
	for id, cs := range st.ChangeSets {
		if cs == nil || cs.ID != id {
			return fmt.Errorf("change set %q is empty or stored under another id", id)
		}
		for i, c := range cs.Changes {
			if c == nil {
				return fmt.Errorf("change set %q: change %d is empty", id, i)
			}
		}
	}
	for id, a := range st.Agreements {
		if a == nil || a.ID != id {
			return fmt.Errorf("agreement %q is empty or stored under another id", id)
		}
	}
	for i, r := range st.Ledger {
		if r == nil {
			return fmt.Errorf("ledger record %d is empty", i)
		}
	}
	return nil
}

// rebuildIndexes derives the locks and the metering index from the state.
func (s *Server) rebuildIndexes() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locks = map[string]string{}
	for _, cs := range s.st.ChangeSets {
		if !cs.terminal() {
			for _, id := range cs.lockedIDs() {
				s.locks[id] = cs.ID
			}
		}
	}
	s.meter = newMeterIndex()
	for _, rec := range s.st.Ledger {
		s.meter.add(rec)
	}
	s.indexCustomersLocked()
}

// sortedChangeSets returns the change sets ordered by start time then id.
func (s *Server) sortedChangeSets() []*ChangeSet {
	out := make([]*ChangeSet, 0, len(s.st.ChangeSets))
	for _, cs := range s.st.ChangeSets {
		out = append(out, cs)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartTime.Equal(out[j].StartTime) {
			return out[i].StartTime.Before(out[j].StartTime)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
