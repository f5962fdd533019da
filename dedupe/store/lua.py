"""The Lua scripts :class:`~dedupe.store.redis.RedisStore` runs inside Redis.

Each script runs atomically on the server: a batch of documents is added, replaced or
removed whole, and a lookup sees the postings of one moment. The scripts hold no matching
rule; they keep postings and hand back what the :class:`~dedupe.index.Index` asks for.
Every script receives the namespace's key prefix as ``ARGV[1]`` and builds the key names
from it (a standalone server, not Redis Cluster). Errors are replied as
``DEDUPE <code> <detail>`` before anything is written: ``notfound`` (no namespace),
``mismatch`` (other parameters), ``duplicate <j>`` and ``unknown <j>`` (the ``j``-th id of
the call, counted from 1: an id is never put in an error reply, where Redis would turn its
line breaks into spaces), ``full <rows used>`` (the row counter would pass ``uint32``) and
``removed`` (a document read was removed). Redis does not undo what a script
wrote before it failed, so nothing may fail after the first write: every command taking
many values goes ``CHUNK`` (1,000) at a time, under the few thousand values Lua's
``unpack`` takes.

**Fuzzy words.** In a fuzzy index a packed document carries its fuzzy words between its
band keys and its id (its band count has the top bit, :data:`WORDS_BIT`, set, and the words
follow as ``<u4 length>`` then UTF-8): they are written, read, expired and removed with
the document, in the same script call. :data:`FETCH` and :data:`LOOKUP` then reply two
more strings, the words' lengths (``uint32``) and the words one after the other.

**Metadata.** A document's metadata (its ``str`` fields as a JSON object, UTF-8) is the
string ``m:<row>``, written by :data:`PUT` in the same call as the document (only when it
has some), expired or deleted with the document's packed string when it is removed or
evicted, and read by :data:`METADATA`; :data:`LOOKUP` and :data:`FETCH` never read it, so
a query costs what it did. The first document written with metadata raises the
namespace's recorded ``version`` to the one :data:`PUT` is given (older dedupe, which
would not remove these strings, then refuses the namespace).

**Postings.** A posting is 8 bytes, the 32-bit key then the row holding it (``uint32``,
little-endian). Postings are kept in *buckets*, plain strings of postings in insertion
order (so each key's rows ascend), addressed by linear hashing: key ``k`` is in bucket
``k mod 2^L``, or ``k mod 2^(L+1)`` when that is below the split pointer ``S``. When the
buckets hold more than ``load`` postings each on average, bucket ``S`` is split in two, so
buckets stay a few hundred bytes long at any size of index. Adding a posting is one
``APPEND``; a lookup reads all the buckets of a query with one ``MGET``; removing reads
and writes the buckets it touches with one ``MGET`` and one ``MSET``.

A key held by more than ``inline`` documents leaves its bucket when the bucket grows long
(``compact``): its rows move to a string of their own (``s:<key bytes>``, packed
``uint32``) and the bucket keeps a marker posting (the key, row ``0xFFFFFFFF``); rows added
later are appended to the bucket again until the next compaction. So a hot key
(boilerplate) neither grows a bucket nor costs a scan.

>>> "local function compact" in PRELUDE
True
"""

from __future__ import annotations

__all__ = [
    "DROP",
    "EVICT",
    "FETCH",
    "LOOKUP",
    "MARK_ROW",
    "METADATA",
    "PRELUDE",
    "PUT",
    "RECORD",
    "WORDS_BIT",
]

#: The row of a marker posting (the key's rows are in a string of their own).
MARK_ROW = 0xFFFFFFFF
#: Set in a packed document's band count when its fuzzy words follow its band keys.
WORDS_BIT = 0x80000000

#: Shared by every script: the namespace's state and the posting operations.
PRELUDE = r"""
local P = ARGV[1]
local META, IDS, TIME, PB = P .. 'meta', P .. 'ids', P .. 'time', P .. 'p:'
local MARK = '\255\255\255\255'
local CHUNK = 1000
local WORDS_BIT = 2147483648
local L, S, M, NE, LOAD, INLINE

local function load_state()
  local m = redis.call('HMGET', META, 'format', 'lvl', 'spl', 'entries', 'load', 'inline',
                       'params_sha', 'version')
  if not m[1] then return nil end
  L, S, NE = tonumber(m[2]), tonumber(m[3]), tonumber(m[4])
  LOAD, INLINE = tonumber(m[5]), tonumber(m[6])
  M = 2 ^ L
  return m
end

local function save_state()
  redis.call('HSET', META, 'lvl', L, 'spl', S, 'entries', NE)
end

local function bucket(k)
  local a = k % M
  if a < S then a = k % (M + M) end
  return PB .. a
end

-- the uint32 at byte `i` of `s` (little-endian)
local function u4(s, i)
  local a, b, c, d = string.byte(s, i, i + 3)
  return a + 256 * (b + 256 * (c + 256 * d))
end

-- the header of a packed document: set size, key count, band count, and whether its fuzzy
-- words follow its band keys
local function head(blob)
  local ns, nk, nb = struct.unpack('<I4I4I4', blob)
  if nb >= WORDS_BIT then return ns, nk, nb - WORDS_BIT, true end
  return ns, nk, nb, false
end

-- the id of a packed document and its fuzzy words (nil: none)
local function id_words(blob)
  local ns, nk, nb, w = head(blob)
  local at = 21 + 4 * (ns + nk + nb)
  if not w then return string.sub(blob, at), nil end
  local len = struct.unpack('<I4', blob, at)
  return string.sub(blob, at + 4 + len), string.sub(blob, at + 4, at + 3 + len)
end

-- several values by name ('' for none), reading CHUNK keys per MGET
local function mget(names)
  local out = {}
  for i = 1, #names, CHUNK do
    local part = {}
    for j = i, math.min(i + CHUNK - 1, #names) do part[#part + 1] = names[j] end
    local got = redis.call('MGET', unpack(part))
    for j = 1, #part do out[part[j]] = got[j] or '' end
  end
  return out
end

-- the values of `fields` of hash `key` (false: none), CHUNK fields per HMGET: Lua's
-- unpack takes a few thousand values at most (LUAI_MAXCSTACK), and a script that fails
-- half way keeps what it wrote
local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, CHUNK do
    local got = redis.call('HMGET', key, unpack(fields, i, math.min(i + CHUNK - 1, #fields)))
    for j = 1, #got do out[i + j - 1] = got[j] end
  end
  return out
end

-- the ids given from ARGV[first] on, and their rows (false: not stored)
local function id_rows(first)
  local ids = {}
  for j = first, #ARGV do ids[j - first + 1] = ARGV[j] end
  return ids, hmget(IDS, ids)
end

-- `cmd key v1 v2 ...` over the values of `list`, CHUNK items (of `step` values each: 2
-- for field/value or score/member pairs) per command; without `key`, `cmd v1 v2 ...`
local function chunked(cmd, key, list, step)
  local size = step * CHUNK
  for i = 1, #list, size do
    local j = math.min(i + size - 1, #list)
    if key then redis.call(cmd, key, unpack(list, i, j))
    else redis.call(cmd, unpack(list, i, j)) end
  end
end

-- write name -> value ('' deletes), CHUNK keys per command
local function mset(values)
  local sets, dels = {}, {}
  for name, v in pairs(values) do
    if v == '' then dels[#dels + 1] = name
    else sets[#sets + 1] = name; sets[#sets + 1] = v end
  end
  for i = 1, #sets, 2 * CHUNK do
    redis.call('MSET', unpack(sets, i, math.min(i + 2 * CHUNK - 1, #sets)))
  end
  for i = 1, #dels, CHUNK do
    redis.call('DEL', unpack(dels, i, math.min(i + CHUNK - 1, #dels)))
  end
end

-- position of the first posting at or after `init` that starts with `pat` (4 or 8 bytes)
local function find(b, pat, init)
  local i = init
  while true do
    local j = string.find(b, pat, i, true)
    if not j then return nil end
    if (j - 1) % 8 == 0 then return j end
    i = j + 1
  end
end

-- `v` without the 4 bytes `rb` at a multiple of 4 (nil: not there)
local function cut4(v, rb)
  local i = 1
  while true do
    local j = string.find(v, rb, i, true)
    if not j then return nil end
    if (j - 1) % 4 == 0 then return string.sub(v, 1, j - 1) .. string.sub(v, j + 4) end
    i = j + 1
  end
end

local spill = {}  -- key bytes -> rows of a key kept apart (read once, written at the end)
local function spilled(f)
  local v = spill[f]
  if v == nil then
    v = redis.call('GET', P .. 's:' .. f) or ''
    spill[f] = v
  end
  return v
end

local function flush_spill()
  local out = {}
  for f, v in pairs(spill) do out[P .. 's:' .. f] = v end
  mset(out)
  spill = {}
end

-- move the rows of hot keys (more than INLINE in the bucket, or marked) out of bucket `name`
local function compact(name)
  local b = redis.call('GET', name) or ''
  local count, marked, hot = {}, {}, {}
  for pos = 1, #b, 8 do
    local f = string.sub(b, pos, pos + 3)
    if string.sub(b, pos + 4, pos + 7) == MARK then marked[f] = true
    else count[f] = (count[f] or 0) + 1 end
  end
  local any = false
  for f, c in pairs(count) do
    if marked[f] or c > INLINE then hot[f], any = {}, true end
  end
  if not any then return end
  local keep = {}
  for pos = 1, #b, 8 do
    local f, rb = string.sub(b, pos, pos + 3), string.sub(b, pos + 4, pos + 7)
    if hot[f] and rb ~= MARK then table.insert(hot[f], rb)
    else keep[#keep + 1] = f .. rb end
  end
  for f, rows in pairs(hot) do
    redis.call('APPEND', P .. 's:' .. f, table.concat(rows))
    if not marked[f] then keep[#keep + 1] = f .. MARK end
  end
  local nb = table.concat(keep)
  redis.call('SET', name, nb)
  NE = NE + (#nb - #b) / 8
end

local function remove_one(b, f, rb)
  local j = find(b, f .. rb, 1)
  if j then return string.sub(b, 1, j - 1) .. string.sub(b, j + 8) end
  j = find(b, f .. MARK, 1)
  if j then
    local v = cut4(spilled(f), rb)
    if v then
      spill[f] = v
      if v == '' then b = string.sub(b, 1, j - 1) .. string.sub(b, j + 8) end
    end
  end
  return b
end

-- remove postings {key number, key bytes, row bytes}
local function remove_postings(list)
  local groups, names = {}, {}
  for _, p in ipairs(list) do
    local name = bucket(p[1])
    local g = groups[name]
    if not g then
      g = {}
      groups[name] = g
      names[#names + 1] = name
    end
    g[#g + 1] = p
  end
  local cur = mget(names)
  local out = {}
  for _, name in ipairs(names) do
    local b = cur[name]
    local before = #b
    for _, p in ipairs(groups[name]) do b = remove_one(b, p[2], p[3]) end
    out[name] = b
    NE = NE + (#b - before) / 8
  end
  mset(out)
  flush_spill()
end

-- the postings of a packed document stored in `row`
local function postings_of(blob, row, list)
  local ns, nk, nb = head(blob)
  local rb = struct.pack('<I4', row)
  local off = 20 + 4 * ns
  for _ = 1, nk + nb do
    local f = string.sub(blob, off + 1, off + 4)
    list[#list + 1] = {u4(blob, off + 1), f, rb}
    off = off + 4
  end
  return (id_words(blob))
end

-- what verifying needs of packed documents `blobs` (in order): three strings, (set size,
-- key count, id length) per document (uint32), their shingle sets, their ids; and when
-- they carry fuzzy words, two more: the words' lengths (uint32) and the words
local function docs_reply(blobs)
  local heads, sets, ids, lens, texts, any = {}, {}, {}, {}, {}, false
  for i, blob in ipairs(blobs) do
    local ns = struct.unpack('<I4', blob)
    local id, words = id_words(blob)
    heads[i] = string.sub(blob, 1, 8) .. struct.pack('<I4', #id)
    sets[i] = string.sub(blob, 21, 20 + 4 * ns)
    ids[i] = id
    if words then any = true else words = '' end
    lens[i] = struct.pack('<I4', #words)
    texts[i] = words
  end
  if any then
    return table.concat(heads), table.concat(sets), table.concat(ids), table.concat(lens),
           table.concat(texts)
  end
  return table.concat(heads), table.concat(sets), table.concat(ids)
end

-- append the postings of a packed document stored in `row`
local function add_doc(blob, row)
  local hot = 24 * LOAD
  local rb = struct.pack('<I4', row)
  local ns, nk, nb = head(blob)
  local off = 20 + 4 * ns
  for _ = 1, nk + nb do
    local name = bucket(u4(blob, off + 1))
    local len = redis.call('APPEND', name, string.sub(blob, off + 1, off + 4) .. rb)
    if len >= hot and (len / 8) % LOAD == 0 then compact(name) end
    off = off + 4
  end
  NE = NE + nk + nb
end

-- remove the documents in `rows` (numbers) and their metadata; their packed strings and
-- metadata stay readable for `linger` ms to queries already under way. Returns their ids.
local function remove_docs(rows, linger)
  if #rows == 0 then return {} end
  local names = {}
  for i, row in ipairs(rows) do names[i] = P .. 'd:' .. row end
  local blobs = mget(names)
  local list, ids, members, gone = {}, {}, {}, {}
  for i, row in ipairs(rows) do
    local blob = blobs[names[i]]
    if blob ~= '' then
      ids[#ids + 1] = postings_of(blob, row, list)
      members[#members + 1] = row
      gone[#gone + 1] = names[i]
      gone[#gone + 1] = P .. 'm:' .. row
      if linger > 0 then
        redis.call('PEXPIRE', names[i], linger)
        redis.call('PEXPIRE', P .. 'm:' .. row, linger)
      end
    end
  end
  remove_postings(list)
  if #ids > 0 then
    chunked('HDEL', IDS, ids, 1)
    chunked('ZREM', TIME, members, 1)
    if linger <= 0 then chunked('DEL', nil, gone, 1) end
  end
  return ids
end

-- split buckets until they hold at most LOAD postings each on average
local function grow()
  while NE > LOAD * (M + S) do
    local old, new = PB .. S, PB .. (S + M)
    local b = redis.call('GET', old) or ''
    local keep, move = {}, {}
    for pos = 1, #b, 8 do
      local e = string.sub(b, pos, pos + 7)
      if u4(b, pos) % (M + M) == S then keep[#keep + 1] = e else move[#move + 1] = e end
    end
    mset({[old] = table.concat(keep), [new] = table.concat(move)})
    S = S + 1
    if S == M then L, M, S = L + 1, M + M, 0 end
  end
end
"""

#: Record the parameters unless recorded; reply what is recorded.
#: ARGV: prefix, then the field/value pairs of a new ``meta`` hash.
RECORD = (
    "#!lua\n"
    + PRELUDE
    + r"""
if redis.call('EXISTS', META) == 0 then
  redis.call('HSET', META, unpack(ARGV, 2))
end
return redis.call('HMGET', META, 'format', 'version', 'params', 'thresholds')
"""
)

#: Add documents. ARGV: prefix, params fingerprint, replace (1/0), linger ms, the format
#: version to record once a document has metadata, then for each document its id, its
#: score (timestamp, or +inf), its packed string and its metadata (a JSON object, or ''
#: for none).
PUT = (
    "#!lua\n"
    + PRELUDE
    + r"""
local m = load_state()
if not m then return redis.error_reply('DEDUPE notfound') end
if m[7] ~= ARGV[2] then return redis.error_reply('DEDUPE mismatch') end
local replace, linger = ARGV[3] == '1', tonumber(ARGV[4])
local n = (#ARGV - 5) / 4
local ids = {}
for j = 1, n do ids[j] = ARGV[2 + 4 * j] end
local olds = hmget(IDS, ids)
local gone = {}
for j = 1, n do
  if olds[j] then
    if not replace then return redis.error_reply('DEDUPE duplicate ' .. j) end
    gone[#gone + 1] = tonumber(olds[j])
  end
end
local used = tonumber(redis.call('GET', P .. 'next') or '0')
if not used or used + n >= 4294967295 then
  return redis.error_reply('DEDUPE full ' .. tostring(used))
end
remove_docs(gone, linger)
local base = redis.call('INCRBY', P .. 'next', n) - n
local docs, pairs_, scores, described = {}, {}, {}, false
for j = 1, n do
  local row, blob, fields = base + j, ARGV[4 + 4 * j], ARGV[5 + 4 * j]
  add_doc(blob, row)
  docs[P .. 'd:' .. row] = blob
  if fields ~= '' then
    docs[P .. 'm:' .. row] = fields
    described = true
  end
  pairs_[#pairs_ + 1] = ids[j]
  pairs_[#pairs_ + 1] = row
  scores[#scores + 1] = ARGV[3 + 4 * j]
  scores[#scores + 1] = row
end
if described and m[8] ~= ARGV[5] then redis.call('HSET', META, 'version', ARGV[5]) end
mset(docs)
chunked('HSET', IDS, pairs_, 2)
chunked('ZADD', TIME, scores, 2)
grow()
save_state()
return n
"""
)

#: Remove documents, all or none. ARGV: prefix, linger ms, then the ids.
DROP = (
    "#!lua\n"
    + PRELUDE
    + r"""
if not load_state() then return redis.error_reply('DEDUPE notfound') end
local ids, rows = id_rows(3)
for j = 1, #ids do
  if not rows[j] then return redis.error_reply('DEDUPE unknown ' .. j) end
  rows[j] = tonumber(rows[j])
end
remove_docs(rows, tonumber(ARGV[2]))
save_state()
return #rows
"""
)

#: Remove up to ``limit`` documents whose timestamp is before ``before``; reply their ids.
#: ARGV: prefix, before (a number), limit, linger ms.
EVICT = (
    "#!lua\n"
    + PRELUDE
    + r"""
if not load_state() then return redis.error_reply('DEDUPE notfound') end
local rows = redis.call('ZRANGE', TIME, '-inf', '(' .. ARGV[2], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for j = 1, #rows do rows[j] = tonumber(rows[j]) end
local ids = remove_docs(rows, tonumber(ARGV[4]))
save_state()
return ids
"""
)

#: For each key: how many documents hold it, and its rows (all when at most the key's cap,
#: else the earliest), each with its shingle set size and passage key count; and, when they
#: are at most ``send`` distinct rows, what :data:`FETCH` replies for all of them (by
#: ascending row), read in the same moment, so that the caller needs no second call.
#: ARGV: prefix, keys (packed uint32), caps (packed uint32), send. Replies three packed
#: strings: df per key, rows returned per key, and (row, set size, key count) for each row
#: returned, key after key (uint32 little-endian); then FETCH's strings, or nothing.
LOOKUP = (
    "#!lua flags=no-writes\n"
    + PRELUDE
    + r"""
if not load_state() then return redis.error_reply('DEDUPE notfound') end
local keys, caps, send = ARGV[2], ARGV[3], tonumber(ARGV[4])
local n = #keys / 4
local names = {}
for i = 1, n do names[i] = bucket(u4(keys, 4 * i - 3)) end
local cur = mget(names)
local dfs, counts, entries, stats, docs, distinct = {}, {}, {}, {}, {}, 0
for i = 1, n do
  local f = string.sub(keys, 4 * i - 3, 4 * i)
  local cap = struct.unpack('<I4', caps, 4 * i - 3)
  local b = cur[names[i]]
  local found, marked, j = {}, false, find(b, f, 1)
  while j do
    local rb = string.sub(b, j + 4, j + 7)
    if rb == MARK then marked = true else found[#found + 1] = rb end
    j = find(b, f, j + 8)
  end
  local df, got = #found, ''
  if marked then
    local sk = P .. 's:' .. f
    local kept = redis.call('STRLEN', sk) / 4
    df = df + kept
    if df <= cap then got = redis.call('GET', sk) .. table.concat(found)
    elseif kept > 0 then got = redis.call('GETRANGE', sk, 0, 3)
    else got = found[1] end
  elseif df <= cap then got = table.concat(found)
  else got = found[1] end
  dfs[i] = struct.pack('<I4', df)
  counts[i] = struct.pack('<I4', #got / 4)
  for j = 1, #got, 4 do
    local rb = string.sub(got, j, j + 3)
    local stat = stats[rb]
    if not stat then
      local row = struct.unpack('<I4', rb)
      distinct = distinct + 1
      if distinct <= send then  -- the whole document, kept for the reply
        local blob = redis.call('GET', P .. 'd:' .. row)
        docs[distinct] = {row, blob}
        stat = rb .. string.sub(blob, 1, 8)
      else
        stat = rb .. redis.call('GETRANGE', P .. 'd:' .. row, 0, 7)
      end
      stats[rb] = stat
    end
    entries[#entries + 1] = stat
  end
end
local reply = {table.concat(dfs), table.concat(counts), table.concat(entries)}
if distinct > 0 and distinct <= send then
  table.sort(docs, function(a, b) return a[1] < b[1] end)
  local blobs = {}
  for i, d in ipairs(docs) do blobs[i] = d[2] end
  local got = {docs_reply(blobs)}
  for i = 1, #got do reply[3 + i] = got[i] end
end
return reply
"""
)

#: The shingle sets of documents by row, for verifying candidates: only what that needs is
#: sent (not the passage and band keys). ARGV: prefix, rows (packed uint32). Replies three
#: strings: (set size, key count, id length) per row (packed uint32), the shingle sets one
#: after the other, and the ids (UTF-8) one after the other; in a fuzzy index two more,
#: the fuzzy words' lengths (packed uint32) and the words one after the other. A row whose
#: document is gone (removed more than ``linger`` ago) fails the whole call
#: (``DEDUPE removed``).
FETCH = (
    "#!lua flags=no-writes\n"
    + PRELUDE
    + r"""
local rows = ARGV[2]
local names = {}
for i = 1, #rows / 4 do names[i] = P .. 'd:' .. u4(rows, 4 * i - 3) end
local got = mget(names)
local blobs = {}
for i, name in ipairs(names) do
  blobs[i] = got[name]
  if blobs[i] == '' then
    if redis.call('EXISTS', META) == 0 then return redis.error_reply('DEDUPE notfound') end
    return redis.error_reply('DEDUPE removed')
  end
end
return {docs_reply(blobs)}
"""
)

#: The metadata of documents by id, read at one moment. ARGV: prefix, then the ids.
#: Replies, for each id, its metadata (a JSON object, or '' when it has none), or nil when
#: the id is not stored.
METADATA = (
    "#!lua flags=no-writes\n"
    + PRELUDE
    + r"""
if not load_state() then return redis.error_reply('DEDUPE notfound') end
local ids, rows = id_rows(2)
local names = {}
for j = 1, #ids do
  if rows[j] then names[#names + 1] = P .. 'm:' .. rows[j] end
end
local got = mget(names)
local reply = {}
for j = 1, #ids do
  if rows[j] then reply[j] = got[P .. 'm:' .. rows[j]] else reply[j] = false end
end
return reply
"""
)
