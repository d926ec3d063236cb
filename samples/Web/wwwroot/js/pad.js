// The page's drawing pad and pixel canvases. Strokes are drawn here at the pad's own resolution (pointer events: mouse,
// pen and touch alike); after each change, at most once per animation frame, the pad's opacity goes to .NET, which
// frames it as MNIST framed its digits and runs LeNet-5.
window.lenetPad = (() => {
  let canvas, context, page;
  // version counts changes to the ink; sent is the last version .NET has read. Tests wait for the page to show the
  // current version.
  let version = 0, sent = 0, sending = false, scheduled = false, last = null;

  function ink() {
    const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const alpha = new Uint8Array(canvas.width * canvas.height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
    return alpha;
  }

  // One call in flight at a time; changes made meanwhile go in the next one, so a fast stroke never queues work.
  async function flush() {
    scheduled = false;
    if (sending) return;
    sending = true;
    try {
      while (sent !== version) {
        const v = version;
        await page.invokeMethodAsync('Recognize', ink(), canvas.width, canvas.height, v);
        sent = v;
      }
    } finally {
      sending = false;
    }
  }

  function changed() {
    version++;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }

  function stroke(from, to) {
    context.beginPath();
    context.moveTo(from[0], from[1]);
    context.lineTo(to[0], to[1]);
    context.stroke();
  }

  return {
    init(element, dotnet) {
      canvas = element;
      page = dotnet;
      context = canvas.getContext('2d', { willReadFrequently: true });
      context.lineCap = 'round';
      context.lineJoin = 'round';
      // About MNIST's stroke width once a digit's 20-pixel box is scaled up to the pad.
      context.lineWidth = canvas.width / 14;
      context.strokeStyle = '#fff';
      canvas.addEventListener('pointerdown', e => {
        canvas.setPointerCapture(e.pointerId);
        last = point(e);
        stroke(last, last);
        changed();
        e.preventDefault();
      });
      canvas.addEventListener('pointermove', e => {
        if (last === null) return;
        const p = point(e);
        stroke(last, p);
        last = p;
        changed();
      });
      for (const end of ['pointerup', 'pointercancel']) canvas.addEventListener(end, () => { last = null; });
    },
    clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      version++;
      sent = version;
      return version;
    },
    version: () => version,
    show(target, rgba, width, height) {
      target.width = width;
      target.height = height;
      const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
      target.getContext('2d').putImageData(new ImageData(pixels, width, height), 0, 0);
    },
    blank(target) {
      target.getContext('2d').clearRect(0, 0, target.width, target.height);
    },
    // For tests and the curious: LeNet-5's raw scores for a normalised 28x28 input (784 numbers), computed in the page.
    logits: input => page.invokeMethodAsync('Logits', Array.from(input)),
  };
})();
