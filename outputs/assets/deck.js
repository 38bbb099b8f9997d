// The offline deck file: the keys, auto-advance (?advance=20), the slide in the address (#3 or ?slide=3), speaker
// notes in a second window (N, or ?notes=1) kept in step with postMessage, full screen (F), and print mode (?print=1,
// every slide). Each figure is read from its JSON element (type application/json, id fig-N); the labels of the
// notes view from the body's data-next-label and data-end-label. Nothing is loaded from any host.
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('#stage .slide'));
  var n = slides.length, cur = 0, partner = window.opener || null, drawn = {};
  var params = new URLSearchParams(location.search);
  var notesView = params.get('notes') === '1', printMode = params.get('print') === '1';
  var stage = document.getElementById('stage');
  function figData(i) { var el = document.getElementById('fig-' + i); return el ? JSON.parse(el.textContent) : null; }
  function draw(i) {
    if (drawn[i]) return drawn[i];
    var f = figData(i), div = document.getElementById('plot-' + i);
    if (!f || !div || !window.Plotly) { drawn[i] = Promise.resolve(); return drawn[i]; }
    drawn[i] = Plotly.newPlot(div, f.data, f.layout, f.config);
    return drawn[i];
  }
  function fit() {
    if (printMode) { stage.style.transform = 'none'; return; }
    var box = notesView ? document.querySelector('#notes-view .preview') : document.getElementById('stage-box');
    if (notesView && stage.parentNode !== box) { box.appendChild(stage); stage.style.position = 'absolute'; stage.style.left = '0'; stage.style.top = '0';
      stage.style.transformOrigin = '0 0'; }
    var w = box.clientWidth || window.innerWidth, h = box.clientHeight || window.innerHeight;
    var s = Math.min(w / 1920, h / 1080);
    stage.style.transform = 'scale(' + s + ')';
  }
  function notesOf(i) { var a = slides[i] && slides[i].querySelector('aside.notes'); return a ? a.innerHTML : ''; }
  function headingOf(i) { var h = slides[i] && slides[i].querySelector('h1'); return h ? h.textContent : ''; }
  function show(i, quiet) {
    i = Math.max(0, Math.min(n - 1, i | 0));
    slides[cur].classList.remove('current');
    cur = i;
    slides[cur].classList.add('current');
    draw(cur);
    if (history.replaceState) { history.replaceState(null, '', '#' + (cur + 1)); }
    if (notesView) {
      document.querySelector('#notes-view .now').textContent = document.getElementById('counter-' + cur).textContent + ' · ' + headingOf(cur);
      document.querySelector('#notes-view .notes-text').innerHTML = notesOf(cur);
      document.querySelector('#notes-view .next').textContent = cur + 1 < n ? (document.body.dataset.nextLabel + ' ' + headingOf(cur + 1)) : document.body.dataset.endLabel;
    }
    if (!quiet && partner && !partner.closed) { try { partner.postMessage({bridgesDeck: 1, slide: cur}, '*'); } catch (e) {} }
  }
  function next() { show(cur + 1); }
  function prev() { show(cur - 1); }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'PageDown' || k === ' ' || k === 'Spacebar' || k === 'ArrowDown' || k === 'Enter') { e.preventDefault(); next(); }
    else if (k === 'ArrowLeft' || k === 'PageUp' || k === 'ArrowUp' || k === 'Backspace') { e.preventDefault(); prev(); }
    else if (k === 'Home') { e.preventDefault(); show(0); }
    else if (k === 'End') { e.preventDefault(); show(n - 1); }
    else if (k === 'f' || k === 'F') { if (document.fullscreenElement) { document.exitFullscreen(); } else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); } }
    else if (k === 'n' || k === 'N') { openNotes(); }
    else if (k === '?' || k === 'h' || k === 'H') { document.body.classList.toggle('show-help'); }
  });
  function openNotes() {
    if (notesView) return;
    var url = location.href.split('#')[0].split('?')[0] + '?notes=1#' + (cur + 1);
    partner = window.open(url, 'bridges-notes');
  }
  window.addEventListener('message', function (e) {
    if (!e.data || e.data.bridgesDeck !== 1) return;
    if (partner === null && e.source) partner = e.source;
    if (e.source !== partner) return;
    show(e.data.slide, true);
  });
  window.addEventListener('resize', fit);
  var start = parseInt((location.hash || '').replace('#', ''), 10) || parseInt(params.get('slide') || '1', 10) || 1;
  if (notesView) document.body.classList.add('notes-view');
  if (printMode) document.body.classList.add('print');
  fit();
  slides.forEach(function (s) { s.classList.remove('current'); });
  slides[0].classList.add('current');
  show(start - 1, true);
  var adv = parseFloat(params.get('advance') || '0');
  if (adv > 0 && !notesView) { setInterval(function () { show(cur + 1 < n ? cur + 1 : cur); }, adv * 1000); }
  function renderAll() { return Promise.all(slides.map(function (s, i) { return draw(i); })); }
  window.bridgesDeck = { show: show, next: next, prev: prev, count: n, current: function () { return cur; }, renderAll: renderAll, ready: draw };
  if (printMode) { renderAll().then(function () { document.body.dataset.ready = '1'; }); }
  window.addEventListener('beforeprint', function () { renderAll(); });
})();
