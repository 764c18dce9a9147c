"""The page's own CSS and JavaScript, as Gradio takes them: CSS through `gr.HTML(css_template=)`,
a script run once when a component loads (`js_on_load=`), and one run after an event (`js=`).

`HEAD_JS` runs before Gradio's own scripts: the page is in Chinese whatever the browser's
language, so Gradio's built-in strings (the upload box, the toasts) come in Chinese and the page
says `lang="zh-CN"` (Gradio picks its locale from `navigator.language` and sets `<html lang>`
from it); the page's own words and the strings Gradio's Chinese locales lack are `ui.words`.
What Gradio writes in English whatever the locale (a toast's title is its type, "Error"; a few
`aria-label`s) `HEAD_JS` puts in Chinese as it appears.

`CITE_JS` is the one page-wide listener: a click on `[n]` (in an answer or in the sources panel),
or Enter on it, writes `turn:n:nonce` into the hidden box `#cite-pick` and presses the hidden
button `#cite-open`, whose event opens the document view at that quote
(`ui.callbacks.ChatCallbacks.open_citation`). It also makes every chip a link the keyboard
reaches (`tabindex`, `role`, an `aria-label`) and shows the chip's source and quote in
`#cite-preview` on hover or focus.
"""

HEAD_JS = r"""<script>
(() => {
  const zh = ['zh-CN', 'zh'];
  Object.defineProperty(navigator, 'language', { get: () => zh[0] });
  Object.defineProperty(navigator, 'languages', { get: () => zh });
  document.documentElement.lang = zh[0];
  // Gradio writes a toast's title from its type ("Error") and a few labels in English
  // whatever the locale: those are put in Chinese as they appear
  const TITLES = { Error: '出错', Warning: '注意', Info: '提示', Success: '完成' };
  const LABELS = {
    Close: '关闭', Clear: '清空', 'Copy message': '复制这条消息', Like: '有用', Dislike: '没用',
    'More tabs': '更多标签页', 'chatbot conversation': '对话', 'Table actions': '表格操作',
    'Copy table data': '复制表格', Fullscreen: '全屏', Dataframe: '文档表',
    'Click to upload or drop files': '点击上传或拖入文件',
  };
  const ROLES = { "bot's message:": '回答', "user's message:": '提问' };
  const relabel = (el) => {
    const title = LABELS[el.getAttribute('title')];
    if (title) el.setAttribute('title', title);
    const now = el.getAttribute('aria-label');
    if (now === null) return;
    if (LABELS[now]) el.setAttribute('aria-label', LABELS[now]);
    // a message's label is its role and its HTML source: the role, in Chinese, is enough
    const role = Object.keys(ROLES).find((r) => now.startsWith(r));
    if (role) el.setAttribute('aria-label', ROLES[role]);
  };
  const retitle = (el) => {
    const text = el.textContent.trim();
    if (TITLES[text]) el.textContent = TITLES[text];
  };
  // only what changed is looked at: a long conversation is not rescanned at every word
  const localize = (records) => {
    for (const record of records) {
      const target = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      if (!target) continue;
      if (record.type === 'attributes') { relabel(target); continue; }
      if (target.closest('.toast-title-row')) target.closest('.toast-title-row')
        .querySelectorAll('span').forEach(retitle);
      for (const node of record.addedNodes || []) {
        if (node.nodeType !== 1) continue;
        relabel(node);
        node.querySelectorAll('[aria-label], [title]').forEach(relabel);
        node.querySelectorAll('.toast-title-row span').forEach(retitle);
      }
    }
  };
  // Gradio chose its locale from the browser before this script ran: switch it with the
  // `changeLocale` its own settings page uses, from the module already loaded (same URL)
  const core = performance.getEntriesByType('resource').map((e) => e.name)
    .find((name) => /\/assets\/core-[\w-]+\.js$/.test(name));
  const switchTo = (locale) => {
    document.documentElement.lang = locale;
    if (core) import(core).then((m) => m.changeLocale && m.changeLocale(locale)).catch(() => {});
  };
  window.__ragInterface = (script) => {  // 回答用字: 繁體 -> zh-TW, 简体 -> zh-CN
    if (script === '繁體') switchTo('zh-TW');
    else if (script === '简体') switchTo('zh-CN');
  };
  switchTo(zh[0]);
  const start = () => {
    document.querySelectorAll('[aria-label], [title]').forEach(relabel);
    new MutationObserver(localize).observe(document.body, {
      childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ['aria-label', 'title'],
    });
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
</script>"""
PAGE_CSS = """
.sources h3 { margin: 0 0 .5em 0; }
.source { margin: 0 0 .9em 0; }
.source .ref { font-weight: 600; }
.source .facts, .source .section, .source .times, .document .meta, .more {
  font-weight: 400; color: #4b5563; font-size: .92em;
}
.source blockquote { margin: .3em 0 0 0; }
.source .open {
  font-size: .85em; font-weight: 400; padding: .05em .5em; margin-left: .3em; cursor: pointer;
  border: 1px solid #1d4ed8; border-radius: 4px; color: #1d4ed8; background: #fff;
}
.more summary { cursor: pointer; color: #1d4ed8; }
.more code { font-size: .9em; }
.cite { color: #1d4ed8; text-decoration: underline; cursor: pointer; border-radius: 3px; }
.cite:hover, .cite:focus-visible { background: #dbeafe; outline: 2px solid #1d4ed8; }
.conflict { border-left: 3px solid #b45309; padding-left: .6em; margin-bottom: .8em; }
.conflict table { margin-top: .4em; border-collapse: collapse; }
.conflict td, .conflict th { padding: .15em .6em; border-bottom: 1px solid #e5e7eb; }
.unverified h4 { color: #b91c1c; }
.document .fulltext { white-space: normal; line-height: 1.7; max-height: 560px; overflow-y: auto; }
.document mark { background: #fde047; color: #111827; }
"""
CHAT_CSS = """
.page-head { display: flex; align-items: baseline; gap: 1em; flex-wrap: wrap; }
.page-head h2 { margin: 0; }
.page-head .corpus, .mode { color: #374151; }
#chat .direct { font-size: 1.08em; margin-bottom: .35em; }
#chat .direct .asof { color: #4b5563; margin-left: .5em; font-size: .9em; }
#chat .read-as { color: #4b5563; font-size: .9em; margin-bottom: .3em; }
#chat .searching { color: #4b5563; font-style: italic; }
#chat .stopped { color: #92400e; }
#chat .cite { color: #1d4ed8; text-decoration: underline; cursor: pointer; border-radius: 3px; }
#chat .cite:hover, #chat .cite:focus-visible { background: #dbeafe; outline: 2px solid #1d4ed8; }
#stop { background: #fff; color: #b91c1c; border: 1px solid #b91c1c; }
#question textarea::placeholder { color: #6b7280; opacity: 1; }
#cite-preview {
  position: fixed; z-index: 1000; max-width: 360px; padding: .5em .7em; border-radius: 6px;
  background: #111827; color: #f9fafb; font-size: .9em; line-height: 1.5; pointer-events: none;
  box-shadow: 0 4px 14px rgba(0,0,0,.25);
}
"""
"""The page-wide CSS (the chat's bubbles, the header, 停止, the chip preview): Blocks `css`.
Colours are fixed, not the theme's greys, so text keeps a 4.5:1 contrast (WCAG AA)."""
CITE_JS = r"""
if (!window.__ragCite) {
  window.__ragCite = true;
  const CHIP = '[data-cite], .cite';
  const open = (el) => {
    const n = el.dataset.cite || (el.className.match(/cite-(\d+)/) || [])[1];
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    const button = document.querySelector('#cite-open');
    if (!n || !box || !button) return;
    const bubble = el.closest('.turn');  // an answer in the chat; else the latest answer
    const turn = bubble ? (bubble.className.match(/turn-(\d+)/) || [0, -1])[1] : -1;
    box.value = `${turn}:${n}:${Date.now()}`;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => button.click(), 50);
  };
  // every chip a link a keyboard reaches: the chat's sanitizer drops tabindex and role
  const link = (el) => {
    el.setAttribute('tabindex', '0');
    el.setAttribute('role', 'link');
    if (!el.getAttribute('aria-label')) el.setAttribute('aria-label', `查看出处 ${el.textContent}`);
  };
  const linkify = (root) => {
    if (root.matches('.cite:not([tabindex])')) link(root);
    root.querySelectorAll('.cite:not([tabindex])').forEach(link);
  };
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((node) => {
    if (node.nodeType === 1) linkify(node);
  }))).observe(document.body, { childList: true, subtree: true });
  linkify(document.body);
  document.addEventListener('click', (event) => {
    const el = event.target.closest(CHIP);
    if (el) open(el);
  });
  document.addEventListener('keydown', (event) => {
    const el = event.target.closest && event.target.closest('.cite');
    if (el && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      open(el);
    }
  });
  // the quote as a preview on hover or focus (the chip's title, shown at once and styled)
  const preview = document.createElement('div');
  preview.id = 'cite-preview';
  preview.setAttribute('role', 'tooltip');
  preview.hidden = true;
  document.body.appendChild(preview);
  const show = (event) => {
    const el = event.target.closest && event.target.closest('.cite');
    if (!el) return;
    if (el.title) { el.dataset.preview = el.title; el.removeAttribute('title'); }
    if (!el.dataset.preview) return;
    preview.textContent = el.dataset.preview;
    const box = el.getBoundingClientRect();
    preview.hidden = false;
    const left = Math.min(box.left, window.innerWidth - preview.offsetWidth - 8);
    preview.style.left = `${Math.max(8, left)}px`;
    const below = box.bottom + 6;
    const fits = below + preview.offsetHeight < window.innerHeight;
    preview.style.top = `${fits ? below : box.top - preview.offsetHeight - 6}px`;
  };
  const hide = (event) => {
    if (event.target.closest && event.target.closest('.cite')) preview.hidden = true;
  };
  document.addEventListener('mouseover', show);
  document.addEventListener('focusin', show);
  document.addEventListener('mouseout', hide);
  document.addEventListener('focusout', hide);
}
"""
SCRIPT_JS = """(script, answer) => {
  window.__ragInterface && window.__ragInterface(script);
  return [script, answer];
}"""
"""回答用字 changed: the interface follows 繁體 or 简体 at once (`HEAD_JS`)."""
SCROLL_JS = """() => {
  // every scrolling ancestor, the page too: on a narrow screen the view is below the chat
  const go = () => document.querySelector('#cited')?.scrollIntoView({block: 'center'});
  for (const wait of [50, 300, 800]) setTimeout(go, wait);  // after the tab has rendered
}"""
