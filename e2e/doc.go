// Package e2e holds cross-package whole-run tests: the simulated portal
// (portalsim) with its fault modes is crawled by the crawler into a real
// bbolt store, the checks (rules) run over the store, and the tests
// compare the draft deductions with the portal's ground truth and the
// recorded causes with the faults.
//
// The rule these tests hold the system to: a fault of the site never
// becomes a deduction. A source the crawl could not read completely is
// "not audited" with its cause, and the findings equal the ground truth
// restricted to what was audited. They also cover resuming an
// interrupted crawl and items that vanish from the portal.
//
// The package has no non-test code; it exists so that tests spanning
// portalsim, crawler, rules and store live in one place.
package e2e
