-- The blocks of a .bib file that pandoc's own BibTeX reader (biblatex, as
-- --bibliography reads FILE.bib) rejects, each of which makes it reject the
-- whole file. Run as `pandoc lua rejected_blocks.lua FILE.bib`; prints JSON:
-- [{"line": first line, "last": last line, "error": pandoc's message}, ...].
--
-- pandoc stops at the first error, so the file is read again from the block
-- after each rejected one (lines before it blanked, line numbers kept). A
-- block runs from a line starting with "@" to the line before the next one.
local path = arg[1]
local handle = assert(io.open(path, "rb"))
local text = handle:read("a")
handle:close()

local lines = {}
for line in (text:sub(-1) == "\n" and text or text .. "\n"):gmatch("(.-)\n") do
  lines[#lines + 1] = line
end
local starts = {}
for n, line in ipairs(lines) do
  if line:match("^[ \t]*@") then starts[#starts + 1] = n end
end

local rejected = {}
local resume = 1
for _ = 0, #starts do
  local probe = {}
  for n = 1, #lines do probe[n] = n < resume and "" or lines[n] end
  local ok, err = pcall(pandoc.read, table.concat(probe, "\n"), "biblatex")
  if ok then break end
  local message = tostring(err)
  local at = tonumber(message:match("line (%d+)"))
  if at == nil then error("pandoc rejects " .. path .. " without a line: " .. message) end
  local first = 1
  for _, start in ipairs(starts) do if start <= at then first = start end end
  local after = #lines + 1
  for _, start in ipairs(starts) do if start > first then after = start; break end end
  rejected[#rejected + 1] = {line = first, last = after - 1, error = message}
  for n = first, after - 1 do lines[n] = "" end
  resume = after
end
print(pandoc.json.encode(rejected))
