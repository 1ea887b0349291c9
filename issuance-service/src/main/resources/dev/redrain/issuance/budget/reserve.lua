-- Reserves one award from one budget shard, atomically.
-- KEYS: remaining, granted (hash), pool (list). ARGV: mode (EXACT, CAPPED, POOL), amount.
-- Returns {1, amount, remainingAfter, epoch} when granted, {0, remaining} when this shard
-- cannot pay, {-1} when the shard was never loaded (or Redis lost it).
-- A resource, not a Java string, so the grab benchmark runs the very script the grab runs.
local remaining = redis.call('GET', KEYS[1])
if not remaining then return {-1} end
remaining = tonumber(remaining)
local mode = ARGV[1]
local amount = tonumber(ARGV[2])
if mode == 'POOL' then
  local packet = redis.call('LPOP', KEYS[3])
  if not packet then return {0, remaining} end
  amount = tonumber(packet)
elseif mode == 'CAPPED' then
  if remaining <= 0 then return {0, remaining} end
  if amount > remaining then amount = remaining end
elseif remaining < amount then
  return {0, remaining}
end
if amount <= 0 or amount > remaining then
  return redis.error_reply('budget shard inconsistent: remaining ' .. remaining
      .. ', award ' .. amount)
end
redis.call('DECRBY', KEYS[1], amount)
redis.call('HINCRBY', KEYS[2], 'amountMinor', amount)
redis.call('HINCRBY', KEYS[2], 'count', 1)
return {1, amount, remaining - amount, redis.call('HGET', KEYS[2], 'epoch') or ''}
