package eventbus

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
)

const snapshotVersion = 1

// snapshotState is what survives a simulator restart.
type snapshotState struct {
	Version int      `json:"version"`
	Targets Targets  `json:"targets"`
	RNG     []byte   `json:"rng"`
	KeyPEM  string   `json:"keyPem,omitempty"`
	CertPEM string   `json:"certPem,omitempty"`
	Seq     int64    `json:"seq"`
	Log     []Record `json:"log"`
	// Subscriptions of sns targets; absent from snapshots written before subscriptions needed
	// confirming.
	Subscriptions *[]Subscription `json:"subscriptions,omitempty"`
}

// Snapshot encodes the targets, faults and their random source, the SNS signing key and
// certificate, the sns subscriptions and the log, for the simulator's state file.
func (b *Bus) Snapshot() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rng, err := b.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("event bus snapshot: random source: %w", err)
	}
	st := snapshotState{Version: snapshotVersion, Targets: b.targets.clone(), RNG: rng, Seq: b.seq, Log: make([]Record, len(b.log))}
	for i, r := range b.log {
		st.Log[i] = r.clone()
	}
	subs := b.subscriptionsLocked()
	st.Subscriptions = &subs
	if b.signer != nil {
		k, err := b.signer.keyPEM()
		if err != nil {
			return nil, fmt.Errorf("event bus snapshot: signing key: %w", err)
		}
		st.KeyPEM, st.CertPEM = string(k), string(b.signer.certPEM)
	}
	// Not json.Marshal: it would escape &, < and > inside the logged events, which then differ
	// from what was delivered.
	return marshal(st)
}

// Restore replaces the Bus's state with a Snapshot. Deliveries that were pending when the
// snapshot was taken are logged as abandoned. On error nothing changes; Restore also refuses
// while deliveries are pending. A snapshot written before subscriptions needed confirming has
// its sns targets' subscriptions restored as confirmed: they were delivered to without one.
func (b *Bus) Restore(data []byte) error {
	var st snapshotState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("event bus restore: %w", err)
	}
	if st.Version != snapshotVersion {
		return fmt.Errorf("event bus restore: snapshot version %d, want %d", st.Version, snapshotVersion)
	}
	targets, err := st.Targets.normalize(b.cfg.QueueSender != nil)
	if err != nil {
		return fmt.Errorf("event bus restore: %w", err)
	}
	pcg := new(rand.PCG)
	if err := pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("event bus restore: random source: %w", err)
	}
	var s *signer
	if st.KeyPEM != "" || st.CertPEM != "" {
		if s, err = restoreSigner([]byte(st.KeyPEM), []byte(st.CertPEM)); err != nil {
			return fmt.Errorf("event bus restore: %w", err)
		}
	}
	log := make([]*Record, len(st.Log))
	for i := range st.Log {
		r := st.Log[i].clone()
		for j := range r.Deliveries {
			if r.Deliveries[j].Status == StatusPending {
				r.Deliveries[j].Status = StatusAbandoned
				r.Deliveries[j].Error = "simulator restarted before delivery"
			}
		}
		log[i] = &r
	}
	subs := map[string]*Subscription{}
	if st.Subscriptions != nil {
		for _, sub := range *st.Subscriptions {
			if sub.Arn == "" || sub.TopicArn == "" || sub.Target == "" || sub.Token == "" && sub.Status != SubscriptionConfirmed ||
				sub.Status != SubscriptionPending && sub.Status != SubscriptionConfirmed {
				return fmt.Errorf("event bus restore: subscription %q is incomplete or has an unknown status %q", sub.Arn, sub.Status)
			}
			subs[sub.Arn] = &sub
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("event bus restore: the bus is closed")
	}
	if b.pending > 0 {
		return fmt.Errorf("event bus restore: %d deliveries pending; Flush first", b.pending)
	}
	b.targets = targets
	b.pcg = pcg
	b.rng = rand.New(pcg)
	if s != nil {
		b.signer = s
	}
	b.seq = st.Seq
	b.log = log
	if st.Subscriptions == nil {
		at := b.clock()
		for _, t := range targets.Targets {
			if t.Type != TargetSNS {
				continue
			}
			for _, topic := range b.topicsLocked(t) {
				arn := subscriptionArn(topic, t.Name)
				subs[arn] = &Subscription{Arn: arn, TopicArn: topic, Target: t.Name, Endpoint: t.URL, Status: SubscriptionConfirmed, ConfirmedAt: &at}
			}
		}
	}
	b.subs = subs
	return nil
}
