package maybenot

import "math/rand/v2"

// sampleTransition picks the next state of s on event e as a framework
// does, through s compiled as the one state of a machine.
func (s *State) sampleTransition(e Event, rng rand.Source) (uint32, bool) {
	p := compile([]Machine{{States: []State{*s}}})
	st := &p.machines[0].states[0]
	if st.mask&(1<<e) == 0 {
		return 0, false
	}
	ts := st.list(e)
	k := choose(ts, unitFloat32(rng))
	if k == len(ts) {
		return 0, false
	}
	return ts[k].state, true
}
