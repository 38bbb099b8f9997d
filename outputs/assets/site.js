// The static site's script (site.js): saves a chart as PNG or SVG with the stamp (the same frame as outputs.images,
// handed over in the figure's data-stamp attribute), offline: Plotly.toImage draws the chart's SVG, the frame goes
// around it, and a canvas turns it into a PNG.
(function () {
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
    var fig = button.closest('figure'), gd = fig.querySelector('.js-plotly-plot'), st = JSON.parse(fig.getAttribute('data-stamp'));
    var fmt = button.getAttribute('data-image');
    return stamped(gd, st).then(function (svg) {
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
