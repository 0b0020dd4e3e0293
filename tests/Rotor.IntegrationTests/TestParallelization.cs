// The real servers (Kamailio under sipp load, Pebble with 50 concurrent orders, the CMP mock)
// share two cores: run the collections one after another so one test's load never times out
// another's. Each collection still runs its own tests in order, as before.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
