"""From a trigger's firing to at most one run, shared by the scheduler process and the client
API's embedded scheduler: `driver.TriggerDriver` evaluates a trigger and hands each firing to
a `base.FiringDecider`; `redis.RedisFiringDecider` decides on the fleet (one Lua script),
`memory.MemoryFiringDecider` in-process; `run_request` gives a firing its job id and request."""
