import { describeReadmeExamples } from "../../../test-support/readme-examples";

describeReadmeExamples(new URL("..", import.meta.url), 3);
