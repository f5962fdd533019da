"""The one HTML page shell of every page the library and the command line write.

Self-contained: inline CSS, no script, no external asset, and a Content-Security-Policy
that forbids anything else.

>>> html_page("A title", "<p>Body</p>").count("Content-Security-Policy")
1
"""

from __future__ import annotations

import html

__all__ = ["ALIGNMENT_CSS", "CSP", "PAGE_CSS", "PROVENANCE_CSS", "html_page"]

#: CSS of the page (the diff tables add :data:`ALIGNMENT_CSS`).
PAGE_CSS = """\
body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1f2328;background:#fff}
main{max-width:1400px;margin:0 auto;padding:1em 1.5em 3em}
h1{font-size:1.6em;margin:.3em 0}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;padding-bottom:.2em}
dl.dd-facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}
dl.dd-facts dt{font-weight:600}
dl.dd-facts dd{margin:0}
table.dd-list{border-collapse:collapse;font-size:14px;width:100%}
table.dd-list th,table.dd-list td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;
  vertical-align:top}
table.dd-list th{border-bottom:2px solid #bbb}
table.dd-list td.num,table.dd-list th.num{text-align:right;font-variant-numeric:tabular-nums}
table.dd-list td.ids{overflow-wrap:anywhere}
nav.dd-toc{margin:.8em 0;font-size:14px}
nav.dd-toc a{margin-right:1.2em}
.dd-kind{display:inline-block;padding:0 .4em;border-radius:3px;font-size:12px;
  background:#eee;white-space:nowrap}
.dd-kind-exact{background:#ffd7d5}
.dd-kind-near_duplicate{background:#ffe8b3}
.dd-kind-partial{background:#d8e7ff}
.dd-note{background:#fff8c5;border:1px solid #e3d27a;padding:.4em .8em;border-radius:4px}
details.dd-pair{border:1px solid #ccc;border-radius:4px;margin:.6em 0}
details.dd-pair>summary{cursor:pointer;padding:.45em .8em;background:#f6f8fa;font-size:14px}
details.dd-pair[open]>summary{border-bottom:1px solid #ccc}
details.dd-pair .dd-body{padding:.6em .8em}
.dd-sides{display:grid;grid-template-columns:8.5em 1fr 1fr;font-size:15px;margin:0 0 .6em}
.dd-sides div{overflow-wrap:anywhere;font-size:13px;padding:0 8px}
code{font:13px ui-monospace,monospace}
.dd-title{font-weight:600}
ul.dd-groups{margin:0;padding-left:1.1em}
details.dd-cluster{margin:.3em 0}
details.dd-cluster>summary{cursor:pointer;font-size:14px}
details.dd-cluster table.dd-list{margin:.3em 0 .8em}
meter{width:8em;vertical-align:middle}
"""

#: CSS of the two-column alignment table (class prefix ``dd-``), for embedding pages.
ALIGNMENT_CSS = """\
.dd-align{border-collapse:collapse;width:100%;table-layout:fixed;font:15px/1.45 Georgia,serif}
.dd-align th{font:600 13px system-ui,sans-serif;text-align:left;padding:6px 8px;
  border-bottom:2px solid #888}
.dd-align td{vertical-align:top;padding:6px 8px;border-bottom:1px solid #ddd}
.dd-align col.dd-c-tag{width:8.5em}
.dd-align td.dd-tag{font:12px/1.3 system-ui,sans-serif;color:#444}
.dd-align td.dd-tag b{display:block;font-size:13px}
.dd-align p{margin:0 0 .5em}
.dd-align .dd-num{font:11px system-ui,sans-serif;color:#888;margin-right:.4em}
.dd-align del{background:#ffd7d5;color:#82071e;text-decoration:line-through}
.dd-align ins{background:#ccffd8;color:#055d20;text-decoration:none}
.dd-align del.dd-noise{background:none;color:#8a8a8a;text-decoration:line-through dotted}
.dd-align ins.dd-noise{background:#eef1f6;color:inherit;text-decoration:underline dotted #8a8a8a}
.dd-align tr.dd-equal td.dd-a,.dd-align tr.dd-equal td.dd-b{color:#555}
.dd-align tr.dd-only_a td.dd-a{background:#fff0ef}
.dd-align tr.dd-only_b td.dd-b{background:#ebfff0}
.dd-align tr.dd-moved td{background:#fff8e1}
.dd-align tr.dd-moved td.dd-tag b::before{content:"\\2195\\00a0"}
.dd-align tr.dd-split td.dd-tag b,.dd-align tr.dd-merged td.dd-tag b{color:#5b3cc4}
.dd-align td.dd-empty{background:repeating-linear-gradient(135deg,#fafafa 0 6px,#f0f0f0 6px 12px)}
.dd-summary{font:14px system-ui,sans-serif;margin:0 0 1em}
.dd-align mark.dd-passage,.dd-summary mark.dd-passage{background:#fff1a8;color:inherit;
  box-shadow:inset 0 -2px #e3b341}
.dd-align .dd-ref{font:600 10px system-ui,sans-serif;vertical-align:super;margin:0 .15em;
  color:#7d5b00;text-decoration:none;white-space:nowrap}
.dd-align a.dd-ref:hover{text-decoration:underline}
.dd-align p:target{outline:2px solid #e3b341;outline-offset:3px}
details.dd-equal-run>summary{cursor:pointer;font:13px system-ui,sans-serif;color:#555;
  padding:4px 8px;background:#f6f8fa;border-bottom:1px solid #ddd}
"""

#: CSS of the provenance view: the text with each span coloured by its source (12 colours,
#: ``dd-src-0`` .. ``dd-src-11``), and the legend's swatches.
PROVENANCE_CSS = """\
.dd-prov{white-space:pre-wrap;overflow-wrap:anywhere;font:16px/1.7 Georgia,serif;max-width:70em}
.dd-prov .dd-src{border-radius:2px;padding:1px 0}
.dd-prov .dd-none{color:#1f2328}
.dd-lab{font:700 10px system-ui,sans-serif;vertical-align:super;margin:0 .25em 0 .1em;color:#333}
.dd-swatch{display:inline-block;min-width:1.8em;text-align:center;border-radius:3px;
  font:600 12px/1.6 system-ui,sans-serif}
.dd-src-none{background:#fff;border:1px solid #bbb}
.dd-src-0{background:#cfe2ff}.dd-src-1{background:#ffd8a8}.dd-src-2{background:#c9f0c9}
.dd-src-3{background:#f7d0ee}.dd-src-4{background:#fff09a}.dd-src-5{background:#dcd3ff}
.dd-src-6{background:#bfeff3}.dd-src-7{background:#ffcfc4}.dd-src-8{background:#e3efbf}
.dd-src-9{background:#efdcc6}.dd-src-10{background:#ffd1e3}.dd-src-11{background:#d0e0e8}
"""


#: No script, no external asset: everything the page needs is inline.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def html_page(title: str, body: str) -> str:
    """A whole HTML page: ``title`` (escaped here) and ``body`` (HTML, already escaped)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{PAGE_CSS}{ALIGNMENT_CSS}{PROVENANCE_CSS}</style>\n"
        f"</head>\n<body><main>\n{body}\n</main></body></html>\n"
    )
