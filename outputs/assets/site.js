// The static site's script (site.js). It draws each chart when it comes near the screen: the figure waits as JSON in
// the page, and plotly.js (named by <body data-plotly>) runs only when the first chart is about to show, so a phone
// shows the text at once and pays for plotly.js (1.7 s of a slow phone's CPU) only when its reader scrolls towards a
// chart. It is fetched a little earlier (a preload: the network, not the CPU), so it is there when needed. A chart
// already on the screen draws at once. It also saves a chart as PNG or SVG with the stamp (the same frame as outputs.images, handed
// over in the figure's data-stamp attribute), offline: Plotly.toImage draws the chart's SVG, the frame goes around
// it, and a canvas turns it into a PNG.
(function () {
  var bundle = document.body.getAttribute('data-plotly'), loading = null, fetched = false, queue = Promise.resolve();

  function prefetch() {
    if (fetched || loading) return;
    fetched = true;
    var l = document.createElement('link');
    l.rel = 'preload'; l.as = 'script'; l.href = bundle;
    document.head.appendChild(l);
  }

  function plotly() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        if (window.Plotly) { resolve(window.Plotly); return; }
        var s = document.createElement('script');
        s.src = bundle;
        s.onload = function () { resolve(window.Plotly); };
        s.onerror = function () { reject(new Error('could not load ' + bundle)); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  // One chart at a time, with a pause between, so scrolling and tapping stay responsive while several draw.
  function draw(gd) {
    if (!gd.bridgesDrawn) {
      gd.bridgesDrawn = queue.then(plotly).then(function (P) {
        var fig = JSON.parse(document.getElementById(gd.getAttribute('data-figure')).textContent);
        return P.newPlot(gd, fig.data, fig.layout, fig.config);
      }).then(function () {
        return new Promise(function (resolve) { setTimeout(resolve, 0); });
      });
      queue = gd.bridgesDrawn.catch(function () {});  // one chart that fails does not stop the others
    }
    return gd.bridgesDrawn;
  }

  var charts = [].slice.call(document.querySelectorAll('.plotly-graph-div[data-figure]'));
  if (charts.length && bundle) {
    if ('IntersectionObserver' in window) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); }
        });
      }, {rootMargin: '400px 0px'});
      var near = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { near.disconnect(); prefetch(); }
      }, {rootMargin: '1200px 0px'});
      charts.forEach(function (gd) { seen.observe(gd); near.observe(gd); });
    } else {
      charts.forEach(draw);
    }
    window.addEventListener('beforeprint', function () { charts.forEach(draw); });
  }

  function save(blob, name) {
    var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function stamped(gd, st) {
    return Plotly.toImage(gd, {format: 'svg', width: st.width, height: st.height - st.top - st.bottom}).then(function (url) {
      var svg = decodeURIComponent(url.slice(url.indexOf(',') + 1));
      return st.before + '<svg x="0" y="' + st.top + '"' + svg.slice(svg.indexOf('<svg') + 4) + st.after;
    });
  }
  window.bridgesImage = function (button) {
    var fig = button.closest('figure'), gd = fig.querySelector('.plotly-graph-div'), st = JSON.parse(fig.getAttribute('data-stamp'));
    var fmt = button.getAttribute('data-image');
    return draw(gd).then(function () { return stamped(gd, st); }).then(function (svg) {
      if (fmt === 'svg') { save(new Blob([svg], {type: 'image/svg+xml'}), st.file + '.svg'); return svg; }
      return new Promise(function (resolve) {
        var img = new Image();
        img.onload = function () {
          var c = document.createElement('canvas'); c.width = st.width * 2; c.height = st.height * 2;
          var x = c.getContext('2d'); x.scale(2, 2); x.fillStyle = '#FFFFFF'; x.fillRect(0, 0, st.width, st.height);
          x.drawImage(img, 0, 0, st.width, st.height);
          c.toBlob(function (b) { save(b, st.file + '.png'); resolve(svg); }, 'image/png');
        };
        img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
      });
    });
  };
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-image]');
    if (b) { e.preventDefault(); window.bridgesImage(b); }
  });
})();
