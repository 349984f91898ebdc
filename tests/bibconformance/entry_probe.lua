-- Which of the given BibTeX texts pandoc's BibTeX reader (biblatex) rejects,
-- each read on its own. Run as `pandoc lua entry_probe.lua TEXTS.json` where
-- TEXTS.json is [{"name": ..., "text": ...}, ...]; prints JSON
-- [{"name": ..., "error": ...}, ...] for those rejected.
local handle = assert(io.open(arg[1], "rb"))
local items = pandoc.json.decode(handle:read("a"), false)
handle:close()
local rejected = {}
for _, item in ipairs(items) do
  local ok, err = pcall(pandoc.read, item.text, "biblatex")
  if not ok then rejected[#rejected + 1] = {name = item.name, error = tostring(err)} end
end
print(pandoc.json.encode(rejected))
