"""The page's own CSS and JavaScript, as Gradio takes them: CSS through `gr.HTML(css_template=)`,
a script run once when a component loads (`js_on_load=`), and one run after an event (`js=`).

`CITE_JS` is the one page-wide listener: a click on `[n]` (in an answer or in the sources panel)
writes `turn:n:nonce` into the hidden box `#cite-pick` and presses the hidden button `#cite-open`,
whose event opens the document view at that quote (`ui.callbacks.ChatCallbacks.open_citation`).
"""

PAGE_CSS = """
.sources h3 { margin: 0 0 .5em 0; }
.source { margin: 0 0 .9em 0; }
.source .ref { font-weight: 600; }
.source .where, .source .issuer, .source .section {
  font-weight: 400; color: var(--body-text-color-subdued);
}
.source blockquote { margin: .3em 0 0 0; }
.cite { color: var(--link-text-color); cursor: pointer; }
.conflict { border-left: 3px solid #d97706; padding-left: .6em; margin-bottom: .8em; }
.unverified h4 { color: #b91c1c; }
.document .fulltext { white-space: normal; line-height: 1.7; max-height: 560px; overflow-y: auto; }
.document mark { background: #fde047; }
"""
CITE_JS = r"""
if (!window.__ragCite) {
  window.__ragCite = true;
  document.addEventListener('click', (event) => {
    const el = event.target.closest('[data-cite], .cite');
    if (!el) return;
    const n = el.dataset.cite || (el.className.match(/cite-(\d+)/) || [])[1];
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    const open = document.querySelector('#cite-open');
    if (!n || !box || !open) return;
    const bubble = el.closest('.turn');  // an answer in the chat; else the latest answer
    const turn = bubble ? (bubble.className.match(/turn-(\d+)/) || [0, -1])[1] : -1;
    box.value = `${turn}:${n}:${Date.now()}`;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => open.click(), 50);
  });
}
"""
SCROLL_JS = """() => {
  const go = () => document.querySelector('#cited')?.scrollIntoView({block: 'center'});
  for (const wait of [50, 300, 800]) setTimeout(go, wait);  // after the tab has rendered
}"""
