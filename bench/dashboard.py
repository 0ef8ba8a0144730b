"""Dashboard start-up and prediction time.

    python bench/dashboard.py [--port 8611]

1. Starts `streamlit run app.py` and talks to it over its websocket as a browser does: prints the seconds from
   the command's start until the server answers, until the Predict page's tweet box is on screen, and until the
   page's script has finished (the default model loaded and warmed up: the page is usable).
2. In this process, under `streamlit.testing.v1.AppTest`, types five tweets into the Predict page one after
   another and prints the time of each full page rerun (the model is already loaded, as in a running server).
3. What the Predict page computes for a tweet with a 640×480 photo, warm (model loaded, networks prepared, the
   image not yet in the feature cache): `explain(model, tweet, photo)`, probabilities + attributions +
   Grad-CAM, median of 7 photos: `photo_predict_s=X`.
The last line is the median rerun for a typed tweet: `predict_s=X`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401
from image_features import make_photos
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest
from tornado.httpclient import AsyncHTTPClient
from tornado.websocket import websocket_connect

from explain.explanation import explain
from features.image.cache import CACHE_ENV_VAR
from models.registry import load_model

ROOT = Path(__file__).resolve().parents[1]
TWEETS = ["I am so furious right now #angry", "Scared of the dark tonight 😱", "Best birthday ever, thank you all!!",
          "I miss my dog so much 💔", "not happy with this service at all"]


async def first_page(port: int, started: float) -> None:
    client = AsyncHTTPClient()
    while True:
        try:
            await client.fetch(f"http://127.0.0.1:{port}/_stcore/health")
            break
        except Exception:  # not listening yet
            await asyncio.sleep(0.05)
    print(f"server_answers_s={time.perf_counter() - started:.2f}")
    socket = await websocket_connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"])
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_script_hash = ""
    await socket.write_message(message.SerializeToString(), binary=True)
    box_seen = False
    while (raw := await socket.read_message()) is not None:
        forward = ForwardMsg()
        forward.ParseFromString(raw)
        kind = forward.WhichOneof("type")
        if (not box_seen and kind == "delta" and forward.delta.WhichOneof("type") == "new_element"
                and forward.delta.new_element.WhichOneof("type") == "text_area"):
            box_seen = True
            print(f"tweet_box_s={time.perf_counter() - started:.2f}")
        if kind == "script_finished":
            print(f"page_ready_s={time.perf_counter() - started:.2f}")
            break
    socket.close()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8611)
    args = ap.parse_args(argv)

    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.address", "127.0.0.1", "--server.port", str(args.port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        asyncio.run(asyncio.wait_for(first_page(args.port, started), 120))
    finally:
        server.terminate()
        server.wait()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ[CACHE_ENV_VAR] = str(Path(tmp) / "cache.sqlite3")  # cold for these photos
        photos = [path.read_bytes() for path in make_photos(Path(tmp), 9, seed=3)]
        model = load_model()
        for photo in photos[:2]:  # warm: prepares the ONNX extractor and the Grad-CAM backbone
            explain(model, TWEETS[0], photo)
        photo_times = []
        for photo in photos[2:]:
            begun = time.perf_counter()
            result = explain(model, TWEETS[0], photo)
            photo_times.append(time.perf_counter() - begun)
            assert result.image is not None and result.error is None
        print(f"photo_predict_s={statistics.median(photo_times):.3f} (tweet + 640x480 photo, Grad-CAM included)")

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    times = []
    for tweet in TWEETS:
        begun = time.perf_counter()
        app.text_area(key="tweet").input(tweet).run()
        times.append(time.perf_counter() - begun)
        print(f"{time.perf_counter() - begun:.3f} s  {app.metric[0].value:<8} {tweet}")
    print(f"predict_s={statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
