"""The page's CSS and the script that opens a cited article when its marker [n] is clicked."""

CSS = """
#sources .sources { max-height: 640px; overflow-y: auto; }
#sources details.source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px;
  margin-bottom: 8px; background: var(--background-fill-primary); }
#sources details.source.selected { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
#sources summary { cursor: pointer; font-weight: 600; }
#sources .marker { color: var(--color-accent); margin-right: 4px; }
#sources .source-meta { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 4px 0; }
#sources .source-text p { margin: 4px 0; line-height: 1.7; }
#sources mark { background: #fff3b0; }
#sources .sources-empty { color: var(--body-text-color-subdued); padding: 8px; }
.badge { display: inline-block; font-size: 0.75em; padding: 1px 6px; border-radius: 10px; margin-left: 6px;
  font-weight: 500; vertical-align: middle; }
.badge-in-force { background: #e3f6e8; color: #116329; }
.badge-amended { background: #fff4d6; color: #7a5300; }
.badge-repealed { background: #fde2e1; color: #a40e26; }
.badge-not-yet { background: #e1ecfd; color: #0b4aa2; }
.badge-other { background: #eee; color: #444; }
a.cite-marker { text-decoration: none; font-weight: 600; color: var(--color-accent); }
#sources .version-note { font-size: 0.85em; color: #7a5300; margin: 4px 0; }
.version-compare .compare-summary { margin: 6px 0 10px; font-weight: 600; }
.version-compare table.compare { width: 100%; border-collapse: collapse; table-layout: fixed; }
.version-compare th, .version-compare td { border: 1px solid var(--border-color-primary); padding: 6px;
  vertical-align: top; }
.version-compare td.label { width: 9%; white-space: nowrap; font-weight: 600; }
.version-compare td.text { width: 36%; line-height: 1.7; }
.version-compare td.status { width: 10%; font-size: 0.85em; }
.version-compare tr.focus td { background: var(--color-accent-soft); }
.version-compare ins { background: #d5f5dd; text-decoration: underline; }
.version-compare del { background: #fde2e1; text-decoration: line-through; }
"""

HEAD = """
<script>
// Clicking a citation marker [n] in an answer opens and scrolls to article n in the sources panel.
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest('a[href^="#src-"]');
  if (!link) { return; }
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) { return; }
  document.querySelectorAll("#sources details.selected").forEach(function (el) { el.classList.remove("selected"); });
  card.open = true;
  card.classList.add("selected");
  card.scrollIntoView({behavior: "smooth", block: "start"});
}, true);
</script>
"""
